using System.Text;
using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.Tests.Charts;

/// <summary>Run-page charts in Chromium: downloads of each kind, and the chart controls (smoothing, log scale, training time).</summary>
[Collection(TrainingCollection.Name)]
public sealed class ChartBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private const string HostileName = "<img src=x onerror=\"window.__injected=1\"> run";

    [Fact]
    public async Task ARunChartDownloadsAsPngSvgAndCsvNamedForTheRunAndChart()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var run = ChartRuns.Noisy(HostileName, epochs: 12, seed: 1);
        app.Store.InsertMany([run]);

        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{run.Id}"));
        await page.Locator("[data-testid=chart-accuracy] .apexcharts-series path").First.WaitForAsync();

        var png = await DownloadAsync(page, "chart-accuracy", "png");
        Assert.Equal("img-src-x-onerror-window.__injected-1-run_test-accuracy-per-epoch.png", png.Name);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png.Bytes[..8]);
        Assert.True(png.Bytes.Length > 5_000, $"The PNG has only {png.Bytes.Length} bytes.");

        var svg = await DownloadAsync(page, "chart-accuracy", "svg");
        Assert.EndsWith("_test-accuracy-per-epoch.svg", svg.Name);
        var document = System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(svg.Bytes));
        Assert.Equal("{http://www.w3.org/2000/svg}svg", document.Root!.Name.ToString());
        Assert.Contains("Test accuracy per epoch", document.Root.Value);

        var csv = await DownloadAsync(page, "chart-accuracy", "csv");
        Assert.EndsWith("_test-accuracy-per-epoch.csv", csv.Name);
        var lines = Encoding.UTF8.GetString(csv.Bytes).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("series,epoch,training_seconds,value", lines[0]);
        Assert.Equal(run.Epochs.Count, lines.Length - 1);
        Assert.StartsWith($"test accuracy,1,{run.Epochs[0].Seconds:R},{run.Epochs[0].TestAccuracy:R}", lines[1].Replace("\"", ""));

        Assert.True(await page.EvaluateAsync<bool>("() => window.__injected === undefined"), "The injected onerror handler ran.");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheControlsSmoothLogAndTimeTheRunChartsAndAreRememberedAfterAReload()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var run = ChartRuns.Noisy("cosine 40 epochs", epochs: 40, seed: 2);
        app.Store.InsertMany([run]);

        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{run.Id}"));
        await page.Locator("[data-testid=chart-accuracy] .apexcharts-series path").First.WaitForAsync();
        await page.GetByTestId("chart-controls").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "charts-run-plain");
        await page.GetByTestId("chart-controls").Locator("input[type=range]").FillAsync("0.8");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=chart-epoch-loss] .apexcharts-series').length === 4");
        await Browser.ScreenshotAsync(page, "charts-run-smoothed");
        await page.GetByTestId("chart-controls").Locator("input[type=checkbox]").CheckAsync();
        await page.Locator("[data-testid=chart-epoch-loss] .apexcharts-yaxis-title-text").Filter(new LocatorFilterOptions { HasText = "log scale" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "charts-run-log");
        await page.GetByTestId("x-axis").GetByText("Training time").ClickAsync();
        await page.Locator("[data-testid=chart-epoch-loss] .apexcharts-xaxis-title-text").Filter(new LocatorFilterOptions { HasText = "training time" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "charts-run-time");
        await page.GetByLabel("Toggle dark theme").ClickAsync();
        await page.Mouse.MoveAsync(0, 400);
        await page.WaitForFunctionAsync("() => getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'");
        await Browser.ScreenshotAsync(page, "charts-run-dark");

        // Remembered in this browser: a new visit draws the charts as they were left.
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{run.Id}"));
        await page.Locator("[data-testid=chart-epoch-loss] .apexcharts-yaxis-title-text").Filter(new LocatorFilterOptions { HasText = "log scale" }).WaitForAsync();
        Assert.Equal("0.80", await page.GetByTestId("smoothing-value").TextContentAsync());
        Assert.Equal(4, await page.Locator("[data-testid=chart-epoch-loss] .apexcharts-series").CountAsync());
        Assert.Equal("training time (sum of epoch times)", await page.Locator("[data-testid=chart-accuracy] .apexcharts-xaxis-title-text").TextContentAsync());
        // The legend names each line once; the accuracy axis stays linear.
        Assert.Equal(["train loss", "test loss"], await page.Locator("[data-testid=chart-epoch-loss] .apexcharts-legend-text").AllTextContentsAsync());
        Assert.Equal("accuracy", await page.Locator("[data-testid=chart-accuracy] .apexcharts-yaxis-title-text").TextContentAsync());
        Assert.True(consoleErrors.Count == 0, string.Join("\n---\n", consoleErrors));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ThePerClassAndSystemChartsFollowTheControlsOnTheRunCompareAndStudyPages()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var a = ChartRuns.WithFigures(ChartRuns.Noisy("adam", epochs: 30, seed: 4), seed: 5);
        var b = ChartRuns.WithFigures(ChartRuns.Noisy("sgd", epochs: 24, seed: 6, secondsPerEpoch: 12, accuracyShift: -0.02), seed: 7);
        app.Store.InsertMany([a, b]);
        var study = SeedStudy(app);

        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{a.Id}"));
        await page.Locator("[data-testid=chart-per-class] .apexcharts-series path").First.WaitForAsync();
        // One set of controls on the run page, for the curves and the figures alike.
        Assert.Equal(1, await page.GetByTestId("chart-controls").CountAsync());
        await page.GetByTestId("chart-controls").Locator("input[type=range]").FillAsync("0.6");
        // Smoothed: twenty series (ten faint, ten smoothed), a legend that names each class once.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=chart-per-class] .apexcharts-series').length === 20");
        Assert.Equal(10, await page.Locator("[data-testid=chart-per-class] .apexcharts-legend-text").CountAsync());
        Assert.Equal(2, await page.Locator("[data-testid=chart-memory] .apexcharts-series").CountAsync());
        await page.GetByTestId("run-per-class").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "charts-run-per-class-smoothed");
        await page.GetByTestId("run-system").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "charts-run-system-smoothed");
        await page.GetByTestId("x-axis").GetByText("Training time").ClickAsync();
        await page.Locator("[data-testid=chart-per-class] .apexcharts-xaxis-title-text").Filter(new LocatorFilterOptions { HasText = "training time" }).WaitForAsync();
        await page.Locator("[data-testid=chart-cpu] .apexcharts-xaxis-title-text").Filter(new LocatorFilterOptions { HasText = "training time" }).WaitForAsync();
        await page.GetByTestId("run-per-class").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "charts-run-per-class-time");
        // The metric picker changes the lines in place: the same chart element, a new title.
        await page.EvaluateAsync("() => document.querySelector('[data-testid=chart-per-class]').dataset.mark = 'kept'");
        await page.GetByTestId("class-metric").GetByText("Recall").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=chart-per-class] .apexcharts-title-text")).ToHaveTextAsync("Recall per class");
        Assert.Equal("kept", await page.EvaluateAsync<string?>("() => document.querySelector('[data-testid=chart-per-class]')?.dataset.mark ?? null"));
        await page.GetByTestId("x-axis").GetByText("Epoch").ClickAsync();

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"compare?ids={a.Id},{b.Id}"));
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=compare-class-curves] .apexcharts-series').length === 4");
        await page.GetByTestId("compare-per-class").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "charts-compare-per-class-smoothed");

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"studies/{study.Id}"));
        await page.GetByTestId("study-class").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Shirt", new LocatorGetByTextOptions { Exact = true }).ClickAsync();
        var classCurves = page.Locator("[data-testid^=study-class-curves-] .apexcharts-series path").First;
        await classCurves.WaitForAsync();
        await page.Locator("[data-testid^=study-class-curves-]").First.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "charts-study-class-f1-smoothed");
        // Smoothed there too (the setting is remembered in this browser): a faint and a smoothed series per group, each named once.
        var study0 = page.Locator("[data-testid^=study-class-curves-]").First;
        Assert.Equal(2 * await study0.Locator(".apexcharts-legend-text").CountAsync(), await study0.Locator(".apexcharts-series").CountAsync());
        Assert.True(consoleErrors.Count == 0, string.Join("\n---\n", consoleErrors));
        await page.Context.CloseAsync();
    }

    /// <summary>The report's study, every group finished with noisy per-class scores per epoch.</summary>
    private static Dashboard.Web.Studies.Study SeedStudy(DashboardApp app)
    {
        var plan = Dashboard.Web.Studies.StudyPlanner.Expand(Dashboard.Web.Studies.StudyDesign.ReportStudy);
        var studyId = Guid.NewGuid();
        var members = new List<Dashboard.Web.Studies.StudyMember>();
        foreach (var g in plan.Groups)
        {
            var run = ChartRuns.WithFigures(ChartRuns.Noisy($"study {g.Group}", epochs: 12, seed: 20 + g.Group, accuracyShift: 0.002 * g.Group), seed: 40 + g.Group)
                with { StudyId = studyId, StudyGroup = g.Group, Config = g.Config with { Epochs = 12 } };
            app.Store.InsertMany([run]);
            members.Add(new Dashboard.Web.Studies.StudyMember { Group = g.Group, RunId = run.Id, Label = g.Label, Varied = [.. g.Varied], Config = run.Config, Reported = g.Reported });
        }
        var study = new Dashboard.Web.Studies.Study
        {
            Id = studyId, Name = "Smoothed study", CreatedUtc = DateTime.UtcNow, Design = Dashboard.Web.Studies.StudyDesign.ReportStudy, Members = members,
        };
        app.Services.GetRequiredService<Dashboard.Web.Studies.StudyStore>().Insert(study);
        return study;
    }

    private static async Task<(string Name, byte[] Bytes)> DownloadAsync(IPage page, string chart, string kind)
    {
        var frame = page.Locator(".apex-chart-frame").Filter(new LocatorFilterOptions { Has = page.GetByTestId(chart) });
        await frame.GetByTestId("chart-download").Locator("button").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId($"download-{kind}").ClickAsync(),
            new PageRunAndWaitForDownloadOptions { Timeout = 15_000 });
        var path = await download.PathAsync();
        return (download.SuggestedFilename, await File.ReadAllBytesAsync(path!));
    }
}
