using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Microsoft.Playwright;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Tests.Studies;

/// <summary>
/// A real halving study through the real app: real training on a subset, trials paused at their rungs, the best
/// continued from their checkpoints and the others stopped early, each a full run with its report.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class HalvingStudyTests(ITestOutputHelper output, Browser browser) : IClassFixture<Browser>
{
    private static readonly int[] Rungs = [1, 3, 4];

    /// <summary>Nine trials (3 learning rates × 3 weight decays) on 1,500 images, rungs at epochs 1, 3 and 4, η = 3.</summary>
    private static object Design(string name, int minEpochs = 1, int maxEpochs = 4, double[]? weightDecays = null) => new
    {
        name,
        mode = "Halving",
        control = new { epochs = maxEpochs, batchSize = 128, learningRate = 0.001, weightDecay = 0.0001 },
        alternatives = new { learningRates = new[] { 0.003, 0.0003 }, weightDecays = weightDecays ?? [0.001, 0.0] },
        quick = new { trainSubset = 1500 },
        halving = new { trials = "Grid", minEpochs, maxEpochs, reduction = 3 },
    };

    /// <summary>What the test saw happen to each run, from the app's own events.</summary>
    private sealed class Witness
    {
        public ConcurrentQueue<(Guid Run, int Epoch)> Trained { get; } = new();
        /// <summary>Each pause: the run's stored epochs, training time and checkpoint epoch at that moment.</summary>
        public ConcurrentQueue<(Guid Run, List<EpochMetrics> Epochs, double Seconds, int CheckpointEpoch)> Pauses { get; } = new();
        public ConcurrentQueue<(Guid Run, string? Reason)> Starts { get; } = new();

        public Witness(DashboardApp app)
        {
            app.Notifier.Subscribe(e =>
            {
                switch (e)
                {
                    case RunEpochCompleted c: Trained.Enqueue((c.RunId, c.Metrics.Epoch)); break;
                    case RunStarted s: Starts.Enqueue((s.RunId, app.Store.Get(s.RunId)?.StatusReason)); break;
                    case RunFinished { Status: RunStatus.Paused } p:
                        var run = app.Store.Get(p.RunId)!;
                        Pauses.Enqueue((p.RunId, run.Epochs.ToList(), run.TrainingSeconds!.Value, TrainingCheckpoint.FromBytes(app.Store.LoadCheckpoint(p.RunId)!).Epoch));
                        break;
                }
            });
        }
    }

    private static async Task<Guid> LaunchAsync(HttpClient http, object design)
    {
        var response = await http.PostAsJsonAsync("api/studies", design);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// Waits until the study has <paramref name="status"/> and the coordinator has recorded the last rung of every
    /// completed trial (a moment after the run's end, which alone decides the study's status).
    /// </summary>
    private static async Task<JsonElement> WaitForStudyAsync(HttpClient http, Guid id, string status, TimeSpan timeout)
    {
        JsonElement detail = default;
        await PollAsync(() =>
        {
            detail = http.GetFromJsonAsync<JsonElement>($"api/studies/{id}").GetAwaiter().GetResult();
            var completedRuns = detail.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Completed");
            var completedTrials = detail.GetProperty("rungs").EnumerateArray().Count(r => r.GetProperty("outcome").GetString() == "Completed");
            return detail.GetProperty("status").GetString() == status && completedRuns == completedTrials;
        }, timeout, $"the study is {status} with every rung recorded", () => $"it is {detail.GetProperty("status")} with progress {detail.GetProperty("progress")} and {detail.GetProperty("rungs").GetArrayLength()} rung results");
        return detail;
    }

    /// <summary>As <see cref="Poll.UntilAsync"/>, every half second: each look is an API call, and training shares the process.</summary>
    private static async Task PollAsync(Func<bool> condition, TimeSpan timeout, string waitingFor, Func<string> seen)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting until {waitingFor}; {seen()}.");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task AQuickHalvingStudyStopsTrialsAtTheirRungsAndContinuesTheBestFromTheirCheckpoints()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var witness = new Witness(app);
        using var http = app.CreateHttpClient();

        var id = await LaunchAsync(http, Design("asha e2e"));
        // About a minute on two idle cores; the deadline allows for a machine shared with other test runs.
        var detail = await WaitForStudyAsync(http, id, "Completed", TimeSpan.FromMinutes(10));

        // The API gives the rungs and every decision.
        Assert.Equal(Rungs, detail.GetProperty("rungEpochs").EnumerateArray().Select(e => e.GetInt32()));
        var study = app.Services.GetRequiredService<StudyStore>().Get(id)!;
        Assert.Equal(study.Rungs.Count, detail.GetProperty("rungs").GetArrayLength());
        var runs = study.Members.ToDictionary(m => m.Group, m => app.Store.Get(m.RunId)!);
        foreach (var r in study.Rungs.OrderBy(r => r.Rung).ThenByDescending(r => r.Accuracy))
            output.WriteLine($"rung {r.Rung + 1} group {r.Group}: {r.Accuracy:P2} {r.Outcome} {r.Reason}");

        // Every trial reached rung 1; at each rung the best max(1, ⌊m/3⌋) continued, every other was promoted early or stopped.
        Assert.Equal(9, study.Rungs.Count(r => r.Rung == 0));
        for (var k = 0; k < Rungs.Length - 1; k++)
        {
            var at = AshaScheduler.Ranked(study.Rungs.Where(r => r.Rung == k));
            var quota = Math.Max(1, at.Count / 3);
            Assert.All(at.Take(quota), r => Assert.Equal(RungOutcome.Promoted, r.Outcome));
            Assert.All(at, r => Assert.Contains(r.Outcome, new[] { RungOutcome.Promoted, RungOutcome.Stopped }));
            foreach (var r in at)
            {
                var run = runs[r.Group];
                if (r.Outcome == RungOutcome.Promoted)
                {
                    Assert.Contains(study.Rungs, next => next.Group == r.Group && next.Rung == k + 1);
                    continue;
                }
                // Stopped at this rung: its own status, the reason, its curves up to the rung, its report, no checkpoint.
                Assert.Equal(RunStatus.StoppedEarly, run.Status);
                Assert.Equal(r.Reason, run.StatusReason);
                Assert.StartsWith($"Stopped early at epoch {Rungs[k]} (rung {k + 1} of 3): ", run.StatusReason);
                Assert.Equal(Enumerable.Range(1, Rungs[k]), run.Epochs.Select(e => e.Epoch));
                Assert.Equal(run.Epochs[^1].TestAccuracy, run.Report!.Accuracy, 1e-9);
                Assert.True(run.HasWeights && run.Confusion is not null);
                Assert.False(app.Store.HasCheckpoint(run.Id));
            }
        }
        var finished = study.Rungs.Where(r => r.Rung == Rungs.Length - 1).ToList();
        Assert.NotEmpty(finished);
        Assert.All(finished, r => Assert.Equal((RunStatus.Completed, 4, RungOutcome.Completed), (runs[r.Group].Status, runs[r.Group].Epochs.Count, r.Outcome)));
        Assert.Equal(9, runs.Values.Count(r => r.Status is RunStatus.Completed or RunStatus.StoppedEarly));

        // No epoch of any run was trained twice, and the whole study spent far less than its trials trained to the end.
        var trained = witness.Trained.ToList();
        Assert.Equal(trained.Count, trained.Distinct().Count());
        foreach (var run in runs.Values) Assert.Equal(run.Epochs.Select(e => e.Epoch), trained.Where(t => t.Run == run.Id).Select(t => t.Epoch).Order());
        var budget = AshaScheduler.Budget(9, Rungs, 3);
        output.WriteLine($"epochs trained: {trained.Count} (all to the end {budget.Full}, expected {budget.Expected}, at worst {budget.WorstCase})");
        Assert.InRange(trained.Count, budget.Expected, budget.WorstCase);

        await LookAtTheStudyPageAsync(app, id, study);

        // Each continued trial went on from the checkpoint of its pause: its earlier epochs are those stored at the
        // pause, unchanged to the tick, and the training time it added is that of its new epochs only.
        var pauses = witness.Pauses.ToList();
        Assert.Equal(study.Rungs.Count(r => r.Outcome != RungOutcome.Completed), pauses.Count);
        foreach (var (runId, before, seconds, checkpointEpoch) in pauses)
        {
            var run = app.Store.Get(runId)!;
            Assert.Equal(before.Count, checkpointEpoch);
            Assert.Equal(before, run.Epochs.Take(before.Count));
            if (run.Epochs.Count == before.Count) continue; // stopped here
            Assert.Contains((runId, $"Resumed after epoch {checkpointEpoch}."), witness.Starts);
            var added = run.Epochs.Skip(before.Count).Sum(e => e.Seconds);
            var earlier = before.Sum(e => e.Seconds);
            Assert.True(Math.Abs(run.TrainingSeconds!.Value - seconds - added) < earlier / 2,
                $"{run.Name} took {run.TrainingSeconds:F3} s after {seconds:F3} s at its pause: {run.TrainingSeconds - seconds:F3} s more for new epochs of {added:F3} s (its earlier epochs took {earlier:F3} s)");
        }
    }

    /// <summary>The finished study in Chromium: every rung with its decisions, and the best-so-far chart drawn; screenshots in both themes.</summary>
    private async Task LookAtTheStudyPageAsync(DashboardApp app, Guid id, Study study)
    {
        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"studies/{id}"));
        await page.GetByTestId("study-status").Filter(new() { HasText = "Completed" }).WaitForAsync();
        Assert.Equal(3, await page.GetByTestId("rung").CountAsync());
        Assert.Equal(study.Rungs.Count, await page.GetByTestId("rung-row").CountAsync());
        Assert.Equal(study.Rungs.Count(r => r.Outcome == RungOutcome.Stopped), await page.Locator("[data-testid=rung-row][data-outcome=Stopped]").CountAsync());
        await page.Locator("[data-testid=best-so-far] svg.apexcharts-svg").WaitForAsync();
        Assert.Equal(study.Rungs.Count.ToString(), await page.GetByTestId("best-so-far").GetAttributeAsync("data-points"));
        // Which settings matter: every trial at the first rung by default, the few trained to the end on the last.
        var summary = page.Locator("[data-testid=study-analysis] [data-testid=analysis-summary]");
        await Assertions.Expect(summary).ToContainTextAsync($"{study.Rungs.Count(r => r.Rung == 0)} runs compared at the end of epoch {Rungs[0]}");
        await page.GetByTestId("analysis-rung-3").ClickAsync();
        await Assertions.Expect(summary).ToContainTextAsync($"compared at the end of epoch {Rungs[^1]}");
        await page.GetByTestId("analysis-rung-1").ClickAsync();
        await page.GetByTestId("analysis-basis").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "study-halving-analysis");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await Browser.ScreenshotAsync(page, "study-halving-light");
        await page.GetByLabel("Toggle dark theme").ClickAsync();
        await page.WaitForFunctionAsync("() => getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'");
        await page.Mouse.MoveAsync(600, 600); // away from the theme button's tooltip
        await Browser.ScreenshotAsync(page, "study-halving-dark");

        // The builder with a halving study's fields and its epoch budget.
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "studies/new"));
        await page.GetByText("Successive halving (ASHA)").ClickAsync();
        await page.GetByTestId("plan-epochs").Filter(new() { HasText = "trained to the end" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "study-builder-halving-light"); // a page load starts light
        await page.GetByText("Trials: drawn from a search space").ClickAsync();
        await page.GetByTestId("search-budget").WaitForAsync();
        await page.GetByLabel("Toggle dark theme").ClickAsync();
        await page.Mouse.MoveAsync(600, 600);
        await Browser.ScreenshotAsync(page, "study-builder-halving-random-dark");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AfterARestartPausedTrialsWaitInterruptedOnesResumeAndTheStudyFinishes()
    {
        using var dir = new TempDirectory();
        Guid id;
        Guid pausedRun;
        await using (var app = new DashboardApp(dir.Path))
        {
            var witness = new Witness(app);
            using var http = app.CreateHttpClient();
            id = await LaunchAsync(http, Design("asha restart", maxEpochs: 3, weightDecays: [0.001]));
            // Stop the dashboard once the first trial waits at its rung and the second is training.
            await Poll.UntilAsync(() => witness.Pauses.Count >= 1 && witness.Starts.Count >= 2, TimeSpan.FromMinutes(5),
                "one trial paused and another started", () => $"{witness.Pauses.Count} pause(s), {witness.Starts.Count} start(s)");
            pausedRun = witness.Pauses.First().Run;
        }
        Assert.Equal(RunStatus.Paused, Reopen(dir.Path, pausedRun).Status);

        await using var again = new DashboardApp(dir.Path);
        using var client = again.CreateHttpClient();
        await WaitForStudyAsync(client, id, "Completed", TimeSpan.FromMinutes(8));
        var study = again.Services.GetRequiredService<StudyStore>().Get(id)!;
        // Six trials, each of them ended by the rule or trained to the end: none left waiting or interrupted.
        Assert.Equal(6, study.Rungs.Count(r => r.Rung == 0));
        Assert.All(study.Members, m => Assert.Contains(again.Store.Get(m.RunId)!.Status, new[] { RunStatus.Completed, RunStatus.StoppedEarly }));
        Assert.DoesNotContain(study.Rungs, r => r.Outcome is RungOutcome.Waiting or RungOutcome.Withdrawn);
    }

    /// <summary>The run as stored, read without starting the app's services (nothing resumes it meanwhile).</summary>
    private static Run Reopen(string directory, Guid runId)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { DatabasePath = Path.Combine(directory, "dashboard.db") });
        using var store = new RunStore(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<RunStore>.Instance);
        return store.Get(runId)!;
    }
}
