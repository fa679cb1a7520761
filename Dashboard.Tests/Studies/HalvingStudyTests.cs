using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
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
    private static object Design(string name, int minEpochs = 1, int maxEpochs = 4, double[]? weightDecays = null) =>
        HalvingStudyChecks.Design(name, minEpochs, maxEpochs, reduction: 3, learningRates: [0.003, 0.0003], weightDecays: weightDecays ?? [0.001, 0.0]);

    [Fact]
    public async Task AQuickHalvingStudyStopsTrialsAtTheirRungsAndContinuesTheBestFromTheirCheckpoints()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var witness = new HalvingWitness(app);
        using var http = app.CreateHttpClient();

        var id = await HalvingStudyChecks.LaunchAsync(http, Design("asha e2e"));
        // About a minute on two idle cores; the deadline allows for a machine shared with other test runs.
        var detail = await HalvingStudyChecks.WaitForStudyAsync(http, id, "Completed", TimeSpan.FromMinutes(10));

        // The API gives the rungs and every decision.
        Assert.Equal(Rungs, detail.GetProperty("rungEpochs").EnumerateArray().Select(e => e.GetInt32()));
        var study = app.Services.GetRequiredService<StudyStore>().Get(id)!;
        Assert.Equal(study.Rungs.Count, detail.GetProperty("rungs").GetArrayLength());
        var runs = study.Members.ToDictionary(m => m.Group, m => app.Store.Get(m.RunId)!);

        HalvingStudyChecks.RungsFollowTheScheduler(study, runs, app.Store, Rungs, 3, output);
        HalvingStudyChecks.NoEpochTrainedTwice(witness, runs, Rungs, 3, output);

        await LookAtTheStudyPageAsync(app, id, study);

        HalvingStudyChecks.ContinuedFromTheirCheckpoints(witness, study, app.Store);
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
            var witness = new HalvingWitness(app);
            using var http = app.CreateHttpClient();
            id = await HalvingStudyChecks.LaunchAsync(http, Design("asha restart", maxEpochs: 3, weightDecays: [0.001]));
            // Stop the dashboard once the first trial waits at its rung and the second is training.
            await Poll.UntilAsync(() => witness.Pauses.Count >= 1 && witness.Starts.Count >= 2, TimeSpan.FromMinutes(5),
                "one trial paused and another started", () => $"{witness.Pauses.Count} pause(s), {witness.Starts.Count} start(s)");
            pausedRun = witness.Pauses.First().Run;
        }
        Assert.Equal(RunStatus.Paused, Reopen(dir.Path, pausedRun).Status);

        await using var again = new DashboardApp(dir.Path);
        using var client = again.CreateHttpClient();
        await HalvingStudyChecks.WaitForStudyAsync(client, id, "Completed", TimeSpan.FromMinutes(8));
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
