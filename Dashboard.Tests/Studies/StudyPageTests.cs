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

namespace Dashboard.Tests.Studies;

/// <summary>The study page's logic through bUnit: live progress from run events, then tables, curves and findings.</summary>
public sealed class StudyPageTests : ComponentTests
{
    /// <summary>The report's study with every group finished as the report measured it, except the last two.</summary>
    private static Study Seed(BunitContext ctx)
    {
        var store = ctx.Store();
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy);
        var studyId = Guid.NewGuid();
        var members = new List<StudyMember>();
        foreach (var g in plan.Groups)
        {
            var run = CompareRuns.Finished($"report · {g.Group} {g.Label}", WithAccuracy(g.Reported!.Accuracy), g.Reported.TrainingSeconds, config: g.Config, epochs: g.Config.Epochs)
                with { StudyId = studyId, StudyGroup = g.Group };
            if (g.Group == 8) run = run with { Status = RunStatus.Running, Report = null, Confusion = null, Epochs = [], TrainingSeconds = null };
            if (g.Group == 9) run = run with { Status = RunStatus.Queued, Report = null, Confusion = null, Epochs = [], TrainingSeconds = null };
            store.InsertMany([run]);
            members.Add(new StudyMember { Group = g.Group, RunId = run.Id, Label = g.Label, Varied = [.. g.Varied], Config = g.Config, Reported = g.Reported });
        }
        var study = new Study { Id = studyId, Name = "The report's study", CreatedUtc = DateTime.UtcNow, Design = StudyDesign.ReportStudy, Members = members };
        ctx.Services.GetRequiredService<StudyStore>().Insert(study);
        return study;
    }

    private static List<EpochChart> ClassCharts(IRenderedComponent<StudyPage> page) =>
        page.FindComponents<EpochChart>().Select(c => c.Instance).Where(c => c.TestId?.StartsWith("study-class-curves-", StringComparison.Ordinal) == true).ToList();

    /// <summary>A matrix of exactly this accuracy: the errors spread evenly, each class taken for the next.</summary>
    private static int[][] WithAccuracy(double accuracy)
    {
        var perClass = (int)Math.Round((1 - accuracy) * 1000);
        return CompareRuns.Fashion([.. Enumerable.Range(0, 10).Select(i => (i, (i + 1) % 10, perClass))]);
    }

    [Fact]
    public async Task ARunningStudyShowsLiveProgressThenItsResults()
    {
        await using var ctx = NewContext();
        var study = Seed(ctx);
        var page = ctx.Render<StudyPage>(p => p.Add(x => x.Id, study.Id));

        Assert.Equal("Running", page.Find("[data-testid=study-status]").TextContent.Trim());
        Assert.Equal("7 of 9 runs finished", page.Find("[data-testid=study-progress]").TextContent);
        Assert.Equal(9, page.FindAll("[data-testid=study-settings-row]").Count);
        Assert.Single(page.FindAll("[data-testid=cancel-study]"));

        // Table 2 with the report's figures beside ours; unfinished groups have no figures yet.
        var rows = page.FindAll("[data-testid=study-result-row]");
        Assert.Equal(9, rows.Count);
        Assert.Contains("71.3", rows[0].TextContent);
        Assert.Contains("91 %", rows[0].TextContent);
        Assert.Contains("—", rows[7].TextContent);

        // Learning rate: the control (91 %) beat 0.01 (87 %) and 0.1 (67 %), as in the report.
        Assert.Contains("The control's learning rate 0.001 did best", page.Find("[data-testid=parameter-LearningRate] [data-testid=finding]").TextContent);
        // Epochs: groups 8 and 9 have not finished, so there is nothing to name yet.
        Assert.Contains("once the control and a variant have finished", page.Find("[data-testid=parameter-Epochs] [data-testid=finding]").TextContent);
        var curves = page.FindComponents<ApexChart>().Where(c => c.Instance.TestId!.StartsWith("study-curves-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["study-curves-LearningRate", "study-curves-WeightDecay", "study-curves-BatchSize", "study-curves-Epochs"], curves.Select(c => c.Instance.TestId));
        // Control (10 epochs) + lr 0.01 (10) + lr 0.1 (10).
        Assert.Equal(30, curves[0].Instance.PointCount);

        var running = study.Members[7].RunId;
        ctx.Notifier().Publish(new RunBatchProgress(running, new BatchProgress(2, 100, 469, 0.42, 3210, TimeSpan.FromSeconds(75))));
        page.WaitForAssertion(() => Assert.Contains("epoch 2 of 5 · batch 100 of 469", page.Find("[data-testid=study-member][data-status=Running]").TextContent));

        // Group 8 finishes: its row, the epochs chart and finding follow.
        var store = ctx.Store();
        var done = CompareRuns.Finished("x", WithAccuracy(0.90), 39.0, config: study.Members[7].Config, epochs: 5);
        store.Update(running, r => r with { Status = RunStatus.Completed, Report = done.Report, Confusion = done.Confusion, Epochs = done.Epochs, TrainingSeconds = 39.0 });
        ctx.Notifier().Publish(new RunFinished(running, RunStatus.Completed, null, done.Report!.Accuracy));
        page.WaitForAssertion(() => Assert.Equal("8 of 9 runs finished", page.Find("[data-testid=study-progress]").TextContent));
        Assert.Contains("The control's epochs 10 did best (91.00 %); the next best, 5, was 1.00 pp lower.", page.Find("[data-testid=parameter-Epochs] [data-testid=finding]").TextContent);
        Assert.Equal(15, page.FindComponents<ApexChart>().Single(c => c.Instance.TestId == "study-curves-Epochs").Instance.PointCount);
    }

    [Fact]
    public async Task OneClassesF1ReplacesTheMetricOnEveryParametersChart()
    {
        await using var ctx = NewContext();
        var study = Seed(ctx);
        var store = ctx.Store();
        // The control and learning rate 0.01 kept per-class scores per epoch; learning rate 0.1 trained before they existed.
        foreach (var (member, shift) in new[] { (study.Members[0], 0.0), (study.Members[1], 0.2) })
            store.Update(member.RunId, r => r with { Epochs = [.. r.Epochs.Select(e => e with { PerClass = EpochFigureRuns.Scores(shift + 0.01 * e.Epoch) })] });
        var page = ctx.Render<StudyPage>(p => p.Add(x => x.Id, study.Id));
        Assert.Empty(ClassCharts(page));

        var select = page.FindComponent<MudBlazor.MudSelect<int?>>();
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(6));

        var chart = ClassCharts(page).Single(c => c.TestId == "study-class-curves-LearningRate");
        Assert.Equal("F1 of Shirt by learning rate", chart.Title);
        Assert.Equal(3, chart.Lines.Count);
        Assert.Equal(10, chart.Lines[0].Points.Count);
        Assert.Equal(EpochFigureRuns.Scores(0.2 + 0.01 * 10).F1[6], chart.Lines[1].Points[^1].Value);
        Assert.Empty(chart.Lines[2].Points);
        Assert.DoesNotContain(page.FindComponents<ApexChart>(), c => c.Instance.TestId!.StartsWith("study-curves-", StringComparison.Ordinal));

        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(null));
        Assert.Empty(ClassCharts(page));
        Assert.Contains(page.FindComponents<ApexChart>(), c => c.Instance.TestId == "study-curves-LearningRate");
    }

    [Fact]
    public async Task AStudyWithoutPerClassScoresOffersNoClass()
    {
        await using var ctx = NewContext();
        var study = Seed(ctx);
        var page = ctx.Render<StudyPage>(p => p.Add(x => x.Id, study.Id));
        Assert.Empty(page.FindAll("[data-testid=study-class]"));
    }

    [Fact]
    public async Task AnUnknownStudySaysSo()
    {
        await using var ctx = NewContext();
        var page = ctx.Render<StudyPage>(p => p.Add(x => x.Id, Guid.NewGuid()));
        Assert.Contains("There is no study with the id", page.Find("[data-testid=study-not-found]").TextContent);
    }
}
