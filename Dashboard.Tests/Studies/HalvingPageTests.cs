using Bunit;
using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Training;
using Dashboard.Web.Components.Pages.Studies;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Tests.Studies;

/// <summary>A halving study's page and builder through bUnit: rungs, decisions, the best-so-far curve, the budget preview.</summary>
public sealed class HalvingPageTests : ComponentTests
{
    private static readonly StudyDesign Design = new()
    {
        Name = "asha",
        Mode = StudyMode.Halving,
        Control = TrainingConfig.ReportControl with { TrainSubset = 2000 },
        Alternatives = new StudyAlternatives { LearningRates = [0.003, 0.0003], WeightDecays = [0.001, 0] },
        Halving = new HalvingSettings { MinEpochs = 1, MaxEpochs = 9, Reduction = 3 },
    };

    /// <summary>
    /// Nine trials mid-search: at rung 1 (epoch 1) groups 1–3 were promoted and 4–9 stopped; at rung 2 (epoch 3)
    /// group 2 waits, paused, group 1 is there too, and group 3 is still training towards it.
    /// </summary>
    private static Study Seed(BunitContext ctx)
    {
        var plan = StudyPlanner.Expand(Design);
        Assert.True(plan.IsValid);
        var studyId = Guid.NewGuid();
        var members = new List<StudyMember>();
        var results = new List<RungResult>();
        var t0 = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
        foreach (var g in plan.Groups)
        {
            var accuracy = 0.80 - g.Group * 0.01;
            var epochs = g.Group switch { 1 or 2 => 3, 3 => 2, _ => 1 };
            var status = g.Group switch { 1 or 2 => RunStatus.Paused, 3 => RunStatus.Running, _ => RunStatus.StoppedEarly };
            var run = CompareRuns.Finished($"asha · {g.Group} {g.Label}", CompareRuns.Fashion((0, 1, 10)), 5.0, config: g.Config, epochs: epochs)
                with { StudyId = studyId, StudyGroup = g.Group, Status = status };
            run = run with { Epochs = [.. run.Epochs.Select(e => e with { TestAccuracy = accuracy + e.Epoch * 0.01 })] };
            ctx.Store().InsertMany([run]);
            members.Add(new StudyMember { Group = g.Group, RunId = run.Id, Label = g.Label, Varied = [.. g.Varied], Config = g.Config });
            results.Add(new RungResult
            {
                Group = g.Group, Rung = 0, Epoch = 1, Accuracy = accuracy + 0.01, TestAccuracy = accuracy + 0.01, Loss = 0.5, ReachedUtc = t0.AddMinutes(g.Group),
                Outcome = g.Group <= 3 ? RungOutcome.Promoted : RungOutcome.Stopped,
                Reason = g.Group <= 3 ? "Promoted at epoch 1 (rung 1 of 3)" : $"Stopped early at epoch 1 (rung 1 of 3): was {AshaScheduler.Ordinal(g.Group)} of 9; the top 3 continued.",
            });
        }
        results.Add(new RungResult { Group = 2, Rung = 1, Epoch = 3, Accuracy = 0.81, TestAccuracy = 0.81, Loss = 0.4, ReachedUtc = t0.AddMinutes(20), Outcome = RungOutcome.Waiting });
        results.Add(new RungResult { Group = 1, Rung = 1, Epoch = 3, Accuracy = 0.82, TestAccuracy = 0.82, Loss = 0.4, ReachedUtc = t0.AddMinutes(21), Outcome = RungOutcome.Waiting });
        var study = new Study { Id = studyId, Name = "asha", CreatedUtc = t0, Design = Design, Members = members, Rungs = results };
        ctx.Services.GetRequiredService<StudyStore>().Insert(study);
        return study;
    }

    private BunitContext Context() => NewContext();

    [Fact]
    public async Task TheRungsShowWhoReachedEachPromotedOrStoppedAndWhy()
    {
        await using var ctx = Context();
        var study = Seed(ctx);
        var page = ctx.Render<StudyPage>(p => p.Add(x => x.Id, study.Id));

        // Waiting at a rung is not finished: 6 stopped of 9, the study runs on.
        Assert.Equal("Running", page.Find("[data-testid=study-status]").TextContent.Trim());
        Assert.Equal("6 of 9 runs finished", page.Find("[data-testid=study-progress]").TextContent);
        Assert.Contains("Successive halving (ASHA) over a grid", page.Markup);

        var rungs = page.FindAll("[data-testid=rung]");
        Assert.Equal(3, rungs.Count);
        Assert.Equal("9 reached it · 3 promoted · 6 stopped early · the best 1/3 continue", rungs[0].QuerySelector("[data-testid=rung-summary]")!.TextContent);
        Assert.Equal("2 reached it · 1 on the way · the best 1/3 continue", rungs[1].QuerySelector("[data-testid=rung-summary]")!.TextContent);
        Assert.Equal("0 trained to the end", rungs[2].QuerySelector("[data-testid=rung-summary]")!.TextContent);

        // Best first; promoted and stopped marked, each with its reason.
        var first = rungs[0].QuerySelectorAll("[data-testid=rung-row]");
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "8", "9"], first.Select(r => r.GetAttribute("data-group")));
        Assert.Equal(3, first.Count(r => r.GetAttribute("data-outcome") == "Promoted"));
        Assert.Contains("Stopped early at epoch 1 (rung 1 of 3): was 5th of 9; the top 3 continued.", first[4].TextContent);
        var second = rungs[1].QuerySelectorAll("[data-testid=rung-row]");
        Assert.Equal(["1", "2"], second.Select(r => r.GetAttribute("data-group")));
        Assert.All(second, r => Assert.Contains("Paused here until the rung has enough trials to rank.", r.TextContent));

        // Stopped runs carry their own status in the members table.
        Assert.Equal(6, page.FindAll("[data-testid=run-status][data-status=StoppedEarly]").Count);
        Assert.All(page.FindAll("[data-testid=run-status][data-status=StoppedEarly]"), c => Assert.Equal("Stopped early", c.TextContent.Trim()));
        Assert.Equal(2, page.FindAll("[data-testid=run-status][data-status=Paused]").Count);

        // Best so far against epochs spent: one point per rung result, the best being group 1's 82 % at epoch 3.
        var chart = page.FindComponents<ApexChart>().Single(c => c.Instance.TestId == "best-so-far");
        Assert.Equal(11, chart.Instance.PointCount);
        var summary = page.Find("[data-testid=best-so-far-summary]").TextContent;
        Assert.StartsWith("Best so far: 82.00 % (trial 1 at epoch 3), 14 training epochs spent", summary);
        Assert.Contains("of the 81 its 9 trials would take trained to the end", summary);
    }

    [Fact]
    public async Task TheRungsFollowTheStudyLive()
    {
        await using var ctx = Context();
        var study = Seed(ctx);
        var page = ctx.Render<StudyPage>(p => p.Add(x => x.Id, study.Id));

        // Group 3 reaches rung 2; the coordinator (not running here) would record it and take the rung's decision.
        var studies = ctx.Services.GetRequiredService<StudyStore>();
        var rungs = studies.Get(study.Id)!.Rungs;
        rungs = [.. rungs.Select(r => r.Rung == 1 ? r with { Outcome = r.Group == 1 ? RungOutcome.Promoted : RungOutcome.Stopped } : r),
            new RungResult { Group = 3, Rung = 1, Epoch = 3, Accuracy = 0.70, TestAccuracy = 0.70, Loss = 0.6, ReachedUtc = DateTime.UtcNow, Outcome = RungOutcome.Stopped, Reason = "Stopped early at epoch 3 (rung 2 of 3): 70.00 % was 3rd of 3; the best continued." }];
        studies.Update(studies.Get(study.Id)! with { Rungs = rungs });
        var run3 = study.Members[2].RunId;
        ctx.Store().Update(run3, r => r with { Status = RunStatus.StoppedEarly });
        ctx.Notifier().Publish(new RunFinished(run3, RunStatus.StoppedEarly, "stopped", 0.7));

        page.WaitForAssertion(() => Assert.Equal("3 reached it · 1 promoted · 2 stopped early · the best 1/3 continue",
            page.FindAll("[data-testid=rung]")[1].QuerySelector("[data-testid=rung-summary]")!.TextContent));
        Assert.Contains("70.00 % was 3rd of 3; the best continued.", page.FindAll("[data-testid=rung]")[1].TextContent);
    }

    [Fact]
    public async Task TheRunsGridFiltersOnThePausedAndStoppedStatuses()
    {
        await using var ctx = Context();
        Seed(ctx);
        var page = ctx.Render<Dashboard.Web.Components.Pages.Runs.RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(9, page.FindAll("[data-testid=run-link]").Count));
        var grid = page.FindComponent<MudDataGrid<Run>>().Instance;

        await page.InvokeAsync(() => grid.AddFilterAsync(new FilterDefinition<Run>
        {
            Column = grid.RenderedColumns.First(c => c.Title == "Status"), Operator = FilterOperator.Enum.IsAnyOf, Value = new List<Enum> { RunStatus.Paused, RunStatus.Running },
        }));
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=run-link]").Count));
        Assert.Equal(["Paused", "Paused", "Running"], page.FindAll("[data-testid=run-status]").Select(c => c.TextContent.Trim()).Order());
    }

    [Fact]
    public async Task TheBuilderPreviewsAHalvingStudysRungsAndEpochBudget()
    {
        await using var ctx = Context();
        var page = ctx.Render<StudyBuilderPage>();

        var mode = page.FindComponent<MudRadioGroup<StudyMode>>();
        await page.InvokeAsync(() => mode.Instance.ValueChanged.InvokeAsync(StudyMode.Halving));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=halving-min]")));
        // The report's preset's alternatives without its epochs: 3 × 3 × 3 = 27 trials of 9 epochs, rungs 1, 3, 9.
        Assert.Equal("27 trials", page.Find("[data-testid=plan-count]").TextContent.Trim());
        Assert.Equal("Rungs at epoch 1, 3, 9", page.Find("[data-testid=halving-rungs]").TextContent.Trim());
        var budget = AshaScheduler.Budget(27, [1, 3, 9], 3);
        Assert.Contains($"about {budget.Expected} (each rung keeping its best 1/η), at most {budget.WorstCase}, against {budget.Full} for these 27 trials",
            System.Text.RegularExpressions.Regex.Replace(page.Find("[data-testid=plan-epochs]").TextContent, @"\s+", " "));
        Assert.Empty(page.FindAll("[data-testid=alternatives-Epochs]"));

        // Random trials: the search space replaces the alternatives; the budget is the trial count.
        var trials = page.FindComponent<MudRadioGroup<HalvingTrials>>();
        await page.InvokeAsync(() => trials.Instance.ValueChanged.InvokeAsync(HalvingTrials.Random));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=search-budget]")));
        Assert.Empty(page.FindAll("[data-testid=alternatives-LearningRate]"));
        Assert.Equal("12 trials", page.Find("[data-testid=plan-count]").TextContent.Trim());
        page.Find("[data-testid=search-budget] input, input[data-testid=search-budget]").Input("1");
        page.WaitForAssertion(() => Assert.Contains("The budget must be between 2 and 64 trials (got 1).", page.Markup));
        Assert.True(page.Find("[data-testid=launch-study]").HasAttribute("disabled"));
    }
}
