using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.EndToEnd;

/// <summary>
/// A user's core loop in a real Chromium against the real app: fill the New run form, launch, watch
/// points arrive, read the report, restart the app and find the run as it was.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class LaunchAndWatchRunTests(Browser browser) : IClassFixture<Browser>
{
    private static ILocator Field(IPage page, string testId) => page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    private static async Task TypeAsync(IPage page, string testId, string value)
    {
        var input = Field(page, testId);
        await input.FillAsync(value);
        // MudBlazor commits a typed value on change (blur).
        await input.PressAsync("Tab");
    }

    [Fact]
    public async Task AQuickRunLaunchedFromTheFormIsWatchedLiveAndSurvivesARestart()
    {
        using var dir = new TempDirectory();
        Guid id;
        string accuracy;

        await using (var app = new DashboardApp(dir.Path))
        {
            var (page, consoleErrors) = await browser.NewPageAsync();
            await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "new"));
            await page.GetByTestId("preset-quick").ClickAsync();
            // The click is handled on the server; the new values arrive with the next render.
            await Assertions.Expect(Field(page, "field-subset")).ToHaveValueAsync("4000", new() { Timeout = 30_000 });
            await TypeAsync(page, "field-subset", "2000");
            await TypeAsync(page, "field-batch-size", "64");
            await TypeAsync(page, "field-epochs", "1");
            await TypeAsync(page, "field-threads", "2");
            await TypeAsync(page, "field-name", "e2e quick run");
            await Browser.ScreenshotAsync(page, "new-run-light");

            await page.GetByTestId("launch").ClickAsync();
            // Blazor navigates inside the document (no load event): wait on the path, and say what the page showed if it did not move.
            try
            {
                await Browser.WaitForPathAsync(page, "^/runs/[0-9a-f-]{36}$");
            }
            catch (TimeoutException)
            {
                await Browser.ScreenshotAsync(page, "launch-did-not-navigate");
                var shown = string.Join(" | ", await page.GetByTestId("launch-error").AllTextContentsAsync());
                Assert.Fail($"Launch did not open the run's page; still at {page.Url}. Errors shown: {(shown.Length > 0 ? shown : "none")}; runs stored: {app.Store.Count()}.");
            }
            id = Guid.Parse((await page.EvaluateAsync<string>("location.pathname")).Split('/')[^1]);
            var stored = app.Store.Get(id)!;
            Assert.Equal("e2e quick run", stored.Name);
            Assert.Equal((1, 64, 2000, 2), (stored.Config.Epochs, stored.Config.BatchSize, stored.Config.TrainSubset, stored.Config.Threads));

            // Points arrive while the run is still running: pushed, not read back at the end.
            await page.WaitForFunctionAsync(
                """
                () => {
                  const chart = document.querySelector('[data-testid=chart-batch-loss]');
                  const status = document.querySelector('[data-testid=run-status]');
                  return chart && Number(chart.dataset.points) > 0 && status && status.textContent.trim() === 'Running';
                }
                """, null, new PageWaitForFunctionOptions { Timeout = 120_000, PollingInterval = 50 });
            await Browser.ScreenshotAsync(page, "run-live-light");
            Assert.True(await page.Locator("[data-testid=chart-batch-loss] .apexcharts-series path").CountAsync() > 0, "ApexCharts drew no batch-loss line");

            var reportAccuracy = page.GetByTestId("report-accuracy");
            await reportAccuracy.WaitForAsync(new LocatorWaitForOptions { Timeout = 180_000 });
            accuracy = (await reportAccuracy.TextContentAsync())!.Trim();
            Assert.Equal("Completed", (await page.GetByTestId("run-status").TextContentAsync())!.Trim());
            var finished = app.Store.Get(id)!;
            Assert.Equal(Dashboard.Training.Evaluation.ClassificationReport.Fixed(finished.Report!.Accuracy, 2), accuracy);
            // One epoch on 2,000 images is well above chance (10 %).
            Assert.InRange(finished.Accuracy!.Value, 0.5, 1.0);
            await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=chart-accuracy]').dataset.points) === 1");
            Assert.Equal("2", await page.GetByTestId("chart-epoch-loss").GetAttributeAsync("data-points"));
            await page.GetByTestId("confusion-matrix").WaitForAsync();
            await Browser.ScreenshotAsync(page, "run-completed-light");

            await page.GetByLabel("Toggle dark theme").ClickAsync();
            await page.Mouse.MoveAsync(0, 400); // away from the button, so its tooltip is not in the screenshot
            await page.WaitForFunctionAsync("() => getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'");
            await Browser.ScreenshotAsync(page, "run-completed-dark");
            Assert.Empty(consoleErrors);
            // Closed before the app stops, or its reconnection attempts would be the next test's noise.
            await page.Context.CloseAsync();
        }

        // A restart: a new app on the same data directory, hence the same database file.
        await using (var restarted = new DashboardApp(dir.Path))
        {
            var (page, consoleErrors) = await browser.NewPageAsync();
            await page.GotoInteractiveAsync(new Uri(restarted.BaseAddress, $"runs/{id}"));
            await page.GetByTestId("report-accuracy").WaitForAsync();
            Assert.Equal("Completed", (await page.GetByTestId("run-status").TextContentAsync())!.Trim());
            Assert.Equal(accuracy, (await page.GetByTestId("report-accuracy").TextContentAsync())!.Trim());
            await page.GotoInteractiveAsync(restarted.BaseAddress);
            await page.GetByTestId("run-link").Filter(new LocatorFilterOptions { HasText = "e2e quick run" }).WaitForAsync();
            Assert.Equal(RunStatus.Completed, restarted.Store.Get(id)!.Status);
            Assert.Empty(consoleErrors);
        }
    }
}
