using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.Tests.Studies;

/// <summary>
/// The report's method in a real Chromium: build a small study on a training subset, watch it, read its
/// tables and curves, then compare two of its runs and export the results.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class StudyEndToEndTests(Browser browser) : IClassFixture<Browser>
{
    private static ILocator Field(IPage page, string testId) => page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    private static async Task TypeAsync(IPage page, string testId, string value)
    {
        var input = Field(page, testId);
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }

    // From the top: a full-page shot of a scrolled page draws the fixed app bar mid-page.
    private static async Task ShotAsync(IPage page, string name)
    {
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.Mouse.MoveAsync(600, 600); // away from the theme button's tooltip
        await Browser.ScreenshotAsync(page, name);
    }

    private static async Task ToggleDarkAsync(IPage page, bool dark)
    {
        await page.GetByLabel("Toggle dark theme").ClickAsync();
        await page.WaitForFunctionAsync(dark
            ? "() => getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'"
            : "() => getComputedStyle(document.body).backgroundColor === 'rgb(255, 255, 255)'");
    }

    [Fact]
    public async Task ASmallStudyIsBuiltWatchedReadAndTwoOfItsRunsCompared()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var (page, consoleErrors) = await browser.NewPageAsync();
        var failedRequests = new List<string>();
        page.Response += (_, r) => { if (r.Status >= 400) lock (failedRequests) failedRequests.Add($"{r.Status} {r.Url}"); };

        await page.GotoAsync(new Uri(app.BaseAddress, "studies").ToString());
        await page.GetByTestId("no-studies").WaitForAsync();
        await ShotAsync(page, "studies-empty-light");
        await page.GetByTestId("new-study").ClickAsync();
        await Browser.WaitForPathAsync(page, "^/studies/new$");

        // The report's preset as a grid is refused, with the count and the cap in view.
        await page.GetByTestId("plan-count").Filter(new LocatorFilterOptions { HasText = "9 runs" }).WaitForAsync();
        await ShotAsync(page, "study-builder-report-light");
        await page.GetByText("Grid: every combination").ClickAsync();
        await page.GetByTestId("plan-errors").Filter(new LocatorFilterOptions { HasText = "81 runs" }).WaitForAsync();
        Assert.True(await page.GetByTestId("launch-study").IsDisabledAsync());
        await ShotAsync(page, "study-builder-grid-refused-light");
        await page.GetByText("One at a time (the report's method)").ClickAsync();

        // Control + two variants, one epoch on 1500 images.
        await page.GetByTestId("preset-blank").ClickAsync();
        await TypeAsync(page, "study-name-input", "e2e study");
        await TypeAsync(page, "control-epochs", "1");
        await TypeAsync(page, "alternatives-LearningRate", "0.01");
        await TypeAsync(page, "alternatives-WeightDecay", "0.001");
        await Field(page, "quick-run").CheckAsync();
        await TypeAsync(page, "quick-subset", "1500");
        await TypeAsync(page, "quick-epochs", "1");
        await page.GetByTestId("plan-count").Filter(new LocatorFilterOptions { HasText = "3 runs" }).WaitForAsync();
        Assert.Equal(3, await page.GetByTestId("study-settings-row").CountAsync());
        await ShotAsync(page, "study-builder-light");
        await ToggleDarkAsync(page, dark: true);
        await ShotAsync(page, "study-builder-dark");
        await ToggleDarkAsync(page, dark: false);

        await page.GetByTestId("launch-study").ClickAsync();
        await Browser.WaitForPathAsync(page, "^/studies/[0-9a-f-]{36}$");
        var studyId = Guid.Parse((await page.EvaluateAsync<string>("location.pathname")).Split('/')[^1]);
        var study = app.Services.GetRequiredService<StudyStore>().Get(studyId)!;
        Assert.Equal("e2e study", study.Name);
        Assert.Equal([(1, 1500, 0.001, 0.0001), (1, 1500, 0.01, 0.0001), (1, 1500, 0.001, 0.001)],
            study.Members.Select(m => app.Store.Get(m.RunId)!.Config).Select(c => (c.Epochs, c.TrainSubset!.Value, c.LearningRate, c.WeightDecay)));

        // Live: some member is seen running on the page before the study ends.
        await page.Locator("[data-testid=study-member][data-status=Running]").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        await ShotAsync(page, "study-running-light");
        foreach (var member in study.Members) await app.WaitForFinishAsync(member.RunId, TimeSpan.FromMinutes(4));
        await page.GetByTestId("study-status").Filter(new LocatorFilterOptions { HasText = "Completed" }).WaitForAsync();

        Assert.Equal(3, await page.GetByTestId("study-result-row").CountAsync());
        // One best per column (time, accuracy, macro F1, macro precision); a tie would mark more.
        Assert.True(await page.Locator("[data-testid=study-results-table] td[data-best=true]").CountAsync() >= 4);
        foreach (var parameter in new[] { "LearningRate", "WeightDecay" })
        {
            await page.WaitForFunctionAsync($"() => Number(document.querySelector('[data-testid=study-curves-{parameter}]')?.dataset.points) === 2");
            await page.Locator($"[data-testid=study-curves-{parameter}] svg.apexcharts-svg").WaitForAsync();
            Assert.Contains("did best", await page.GetByTestId($"parameter-{parameter}").GetByTestId("finding").TextContentAsync());
        }
        await ShotAsync(page, "study-done-light");
        await ToggleDarkAsync(page, dark: true);
        await ShotAsync(page, "study-done-dark");
        await ToggleDarkAsync(page, dark: false);

        // Control and the learning-rate variant, side by side.
        await page.GetByTestId("parameter-LearningRate").GetByTestId("compare-parameter").ClickAsync();
        await Browser.WaitForPathAsync(page, "^/compare\\?ids=");
        await page.GetByTestId("confusion-difference").WaitForAsync();
        Assert.Equal(2, await page.GetByTestId("result-row").CountAsync());
        Assert.Equal(2, await page.GetByTestId("compare-matrix").CountAsync());
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=compare-TestAccuracy]')?.dataset.points) === 2");
        Assert.Contains("Shirt taken for T-shirt/top", await page.GetByTestId("focus-changes").TextContentAsync());
        await ShotAsync(page, "compare-light");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-results-csv").ClickAsync());
        Assert.Equal("compare-results.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("run,name,training_time_s,accuracy,macro_f1,macro_precision\r\nA,e2e study · 1 control,", csv);
        Assert.Contains("/compare?ids=", page.Url); // the download did not navigate away

        await ToggleDarkAsync(page, dark: true);
        await ShotAsync(page, "compare-dark");

        // A full page load starts in the light theme again.
        await page.GotoAsync(new Uri(app.BaseAddress, "studies").ToString());
        await page.GetByTestId("study-row").WaitForAsync();
        await ShotAsync(page, "studies-light");
        await ToggleDarkAsync(page, dark: true);
        await ShotAsync(page, "studies-dark");

        await page.GotoAsync(new Uri(app.BaseAddress, "compare").ToString());
        await page.GetByTestId("compare-hint").WaitForAsync();
        await ShotAsync(page, "compare-empty-light");
        Assert.Empty(failedRequests);
        Assert.Empty(consoleErrors);
    }
}
