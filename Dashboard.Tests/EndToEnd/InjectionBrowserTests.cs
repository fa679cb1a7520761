using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Microsoft.Playwright;

namespace Dashboard.Tests.EndToEnd;

/// <summary>User-supplied names reach the page as text only, also where ApexCharts writes HTML (legends, tooltips).</summary>
[Collection(TrainingCollection.Name)]
public sealed class InjectionBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private const string ImgName = "<img src=x onerror=\"window.__injected=1\">";
    private const string BoldName = "<b>bold</b> & co";

    [Fact]
    public async Task RunNamesWithMarkupRenderAsTextInTheComparePageCharts()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var a = CompareRuns.Finished(ImgName, CompareRuns.Fashion((6, 0, 90)), 30, epochs: 3);
        var b = CompareRuns.Finished(BoldName, CompareRuns.Fashion((6, 0, 120)), 20, epochs: 3);
        app.Store.InsertMany([a, b]);

        var (page, _) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"compare?ids={a.Id},{b.Id}"));
        var legend = page.Locator(".apexcharts-legend-text");
        await legend.First.WaitForAsync();
        // Hover a point so that the tooltip, the other place ApexCharts writes names as HTML, is drawn too.
        await page.Locator(".apexcharts-canvas").First.HoverAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.apexcharts-tooltip-text-y-label')].some(e => e.textContent.length > 0)",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        var tooltipLabels = await page.Locator(".apexcharts-tooltip-text-y-label").AllTextContentsAsync();
        await Browser.ScreenshotAsync(page, "compare-injected-names");

        var texts = await legend.AllTextContentsAsync();
        Assert.Contains(texts, t => t.EndsWith(ImgName, StringComparison.Ordinal));
        Assert.Contains(texts, t => t.EndsWith(BoldName, StringComparison.Ordinal));
        Assert.Equal(0, await page.Locator("img[src=x], .apexcharts-legend b, .apexcharts-tooltip b").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__injected === undefined"), "The injected onerror handler ran.");
        Assert.True(tooltipLabels.Any(t => t.Contains("<img", StringComparison.Ordinal) || t.Contains("<b>", StringComparison.Ordinal)), "Tooltip labels: " + string.Join(" | ", tooltipLabels));
        await page.Context.CloseAsync();
    }
}
