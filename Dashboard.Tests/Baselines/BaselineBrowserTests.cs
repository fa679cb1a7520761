using Dashboard.Tests.Charts;
using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Microsoft.Playwright;

namespace Dashboard.Tests.Baselines;

/// <summary>Pinning a baseline in the runs grid of Chromium, then finding it on the compare page: first, dashed, with deltas.</summary>
[Collection(TrainingCollection.Name)]
public sealed class BaselineBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private const string HostileName = "<img src=x onerror=\"window.__injected=1\"> wide";

    [Fact]
    public async Task ABaselinePinnedInTheGridIsOnTheComparePageUntilUnpinned()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var control = ChartRuns.Noisy("control lr 0.001", epochs: 15, seed: 11) with { CreatedUtc = DateTime.UtcNow.AddMinutes(-30) };
        var wide = ChartRuns.Noisy(HostileName, epochs: 15, seed: 12, secondsPerEpoch: 25, accuracyShift: 0.006) with { CreatedUtc = DateTime.UtcNow.AddMinutes(-20) };
        var small = ChartRuns.Noisy("small batch", epochs: 10, seed: 13, secondsPerEpoch: 30, accuracyShift: -0.004) with { CreatedUtc = DateTime.UtcNow.AddMinutes(-10) };
        app.Store.InsertMany([control, wide, small]);

        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "runs"));
        var rows = page.GetByTestId("runs-grid").Locator("tbody tr");
        await rows.Nth(2).GetByTestId("run-link").Filter(new LocatorFilterOptions { HasText = "control" }).WaitForAsync();

        // Pin the oldest run: it moves to the top, and the others show their difference from it.
        await rows.Nth(2).GetByTestId("pin-run").ClickAsync();
        await page.GetByTestId("baseline-mark").WaitForAsync();
        Assert.Equal("control lr 0.001", await rows.First.GetByTestId("run-link").TextContentAsync());
        Assert.Equal(2, await page.GetByTestId("runs-grid").GetByTestId("delta").Filter(new LocatorFilterOptions { HasText = "pp" }).CountAsync());
        await page.Mouse.MoveAsync(0, 600);
        // The pin button's click scrolled the wide grid to its right end.
        await page.Locator(".runs-grid .mud-table-container").EvaluateAsync("e => e.scrollLeft = 0");
        await Browser.ScreenshotAsync(page, "baseline-runs-grid");

        // Compare one other run: the baseline joins it.
        await rows.Nth(1).GetByTestId("select-run").ClickAsync();
        await rows.Nth(2).GetByTestId("select-run").ClickAsync();
        await page.GetByTestId("compare").ClickAsync();
        await Browser.WaitForPathAsync(page, "^/compare\\?ids=");
        await page.GetByTestId("baseline-run").WaitForAsync();
        Assert.Equal(3, await page.GetByTestId("result-row").CountAsync());
        Assert.StartsWith("Baseline", (await page.GetByTestId("result-row").First.Locator("b").TextContentAsync())!.Trim());
        await page.Locator("[data-testid=compare-TestAccuracy] .apexcharts-series path").First.WaitForAsync();
        Assert.True(await page.Locator("[data-testid=compare-TestAccuracy] .apexcharts-series path[stroke-dasharray='6']").CountAsync() > 0, "The baseline's line is not dashed.");

        // Smoothed, each run is still named once in the legend, and names stay text.
        await page.GetByTestId("chart-controls").Locator("input[type=range]").FillAsync("0.6");
        var legend = page.Locator("[data-testid=compare-TestLoss]").Locator(".apexcharts-legend-text");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=compare-TestLoss] .apexcharts-series').length === 6");
        var names = await legend.AllTextContentsAsync();
        Assert.Equal(3, names.Count);
        Assert.Contains(names, n => n.EndsWith(HostileName, StringComparison.Ordinal));
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Browser.ScreenshotAsync(page, "baseline-compare");

        // The pin on the baseline's chip unpins it: the two picked runs remain.
        await page.GetByTestId("baseline-run").Locator(".mud-chip-close-button").ClickAsync();
        await page.GetByTestId("baseline-run").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        Assert.Equal(2, await page.GetByTestId("result-row").CountAsync());
        Assert.Null(app.Services.GetService(typeof(Dashboard.Web.Baselines.BaselineStore)) is Dashboard.Web.Baselines.BaselineStore store
            ? store.Get(Dashboard.Web.Accounts.Actor.Local) : throw new InvalidOperationException("No BaselineStore."));

        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__injected === undefined"), "The injected onerror handler ran.");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }
}
