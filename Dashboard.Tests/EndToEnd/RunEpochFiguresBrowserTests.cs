using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.EndToEnd;

/// <summary>
/// Issue 14's per-class and system charts in a real Chromium: a real run's page draws them from its stored
/// epochs, and a run stored before they existed says so instead of drawing empty charts.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class RunEpochFiguresBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task ARunsPageChartsPerClassScoresAndSystemFiguresAndAnOldRunSaysItHasNone()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var config = TrainingConfig.ReportControl with { Epochs = 3, BatchSize = 128, TrainSubset = 2000, Threads = 2 };
        var run = app.Training.Launch(config, "per-class figures").Run!;
        await Poll.UntilAsync(() => app.Store.Get(run.Id)?.IsFinished == true, TimeSpan.FromMinutes(4), "the run has finished",
            () => $"run is {app.Store.Get(run.Id)?.Status} with {app.Store.Get(run.Id)?.Epochs.Count} epoch(s)");
        var done = app.Store.Get(run.Id)!;
        Assert.Equal(RunStatus.Completed, done.Status);

        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{run.Id}"));
        // Ten classes × three epochs; one line each for throughput, CPU and memory.
        await WaitForPointsAsync(page, "chart-per-class", 30);
        foreach (var chart in new[] { "chart-images-per-second", "chart-cpu", "chart-memory" }) await WaitForPointsAsync(page, chart, 3);
        Assert.Equal(10, await page.Locator("[data-testid=chart-per-class] .apexcharts-series path.apexcharts-line").CountAsync());
        Assert.Contains("F1 per class", await page.Locator("[data-testid=chart-per-class] .apexcharts-title-text").TextContentAsync());
        Assert.Contains("Shirt", await page.Locator("[data-testid=chart-per-class] .apexcharts-legend").TextContentAsync());
        await page.GetByTestId("run-per-class").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "run-epoch-figures");

        await page.GetByTestId("class-metric").GetByText("Recall").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=chart-per-class] .apexcharts-title-text")).ToHaveTextAsync("Recall per class");
        Assert.Contains("The dashboard's process", await page.GetByTestId("system-where").TextContentAsync());

        // Stored before issue 14: epochs without the figures.
        var old = app.Store.Create(config with { Epochs = 2 }, "from before");
        app.Store.AppendEpoch(old.Id, new EpochMetrics(1, 0.6, 0.5, 0.8, 3, 2900));
        app.Store.AppendEpoch(old.Id, new EpochMetrics(2, 0.45, 0.42, 0.84, 3, 3100));
        app.Store.Update(old.Id, r => r with { Status = RunStatus.Completed, Report = done.Report, FinishedUtc = DateTime.UtcNow });
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{old.Id}"));
        await Assertions.Expect(page.GetByTestId("per-class-not-recorded")).ToContainTextAsync("classification report below");
        await Assertions.Expect(page.GetByTestId("system-not-recorded")).ToBeVisibleAsync();
        await WaitForPointsAsync(page, "chart-images-per-second", 2);
        Assert.Equal(0, await page.GetByTestId("chart-per-class").CountAsync());
        Assert.Equal(0, await page.GetByTestId("chart-cpu").CountAsync());
        await page.GetByTestId("run-per-class").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "run-epoch-figures-old-run");

        // Compared: the new run has a line, the old one is named as having none.
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"compare?ids={run.Id},{old.Id}"));
        await WaitForPointsAsync(page, "compare-class-curves", 3);
        await Assertions.Expect(page.GetByTestId("compare-per-class-missing")).ToContainTextAsync("B trained before per-class scores were kept per epoch, so it has no line here.");
        await page.GetByTestId("compare-per-class").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "compare-per-class");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }

    private static async Task WaitForPointsAsync(IPage page, string testId, int points)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "([id, n]) => { const c = document.querySelector(`[data-testid=${id}]`); return c && Number(c.dataset.points) === n && c.querySelector('.apexcharts-series path'); }",
                new object[] { testId, points }, new PageWaitForFunctionOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            var seen = await page.EvaluateAsync<string>("id => document.querySelector(`[data-testid=${id}]`)?.dataset.points ?? 'no chart'", testId);
            Assert.Fail($"{testId} did not show {points} points within 30 s; it shows {seen}.");
        }
    }
}
