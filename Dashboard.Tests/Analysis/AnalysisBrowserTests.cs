using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.Tests.Analysis;

/// <summary>The analysis page in Chromium: brushing an axis of the parallel-coordinates plot, and run names shown as text.</summary>
[Collection(TrainingCollection.Name)]
public sealed class AnalysisBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private const string ImgName = "<img src=x onerror=\"window.__injected=1\">";
    private const int PerRate = 10;

    // Where a value sits on an axis of the chart (pixels in the page): read from ECharts' own layout, so the drag lands on the axis.
    private const string AxisPoint = """
        ([key, value]) => {
          const el = document.querySelector('[data-testid=parallel-chart]');
          const chart = echarts.getInstanceByDom(el);
          const option = chart.getOption();
          const dim = option.parallelAxis.findIndex(a => a.id === key);
          const point = chart.getModel().getComponent('parallel').coordinateSystem.dataToPoint(value, 'dim' + dim);
          const box = el.getBoundingClientRect();
          return [box.left + point[0], box.top + point[1]];
        }
        """;

    [Fact]
    public async Task DraggingAlongTheLearningRateAxisKeepsThoseRunsAndListsThemAsText()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        app.Store.InsertMany(StoredAnalysisRuns.Grid(PerRate, ImgName));

        var (page, errors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "analysis"));
        await page.Locator("[data-testid=parallel-chart][data-rendered=true]").WaitForAsync();
        await page.Locator("[data-testid=importance-table]").WaitForAsync();
        var total = AnalysisRuns.Rates.Length * PerRate;
        Assert.Equal(total.ToString(), await page.Locator("[data-testid=brush-count]").GetAttributeAsync("data-selected"));
        await Browser.ScreenshotAsync(page, "analysis-page");

        // From halfway between 1e-4 and 1e-3 to halfway between 1e-3 and 1e-2 on the log axis: only the runs at 1e-3.
        var from = await page.EvaluateAsync<double[]>(AxisPoint, new object[] { "learningRate", Math.Pow(10, -3.5) });
        var to = await page.EvaluateAsync<double[]>(AxisPoint, new object[] { "learningRate", Math.Pow(10, -2.5) });
        await page.Mouse.MoveAsync((float)from[0], (float)from[1]);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)to[0], (float)to[1], new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();

        var count = page.Locator("[data-testid=brush-count]");
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=brush-count]').dataset.selected === '{PerRate}'",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 }).ContinueWith(t =>
            {
                if (t.IsFaulted) throw new TimeoutException($"The brush did not keep {PerRate} runs; the page says: {count.TextContentAsync().Result}", t.Exception);
            });
        Assert.Contains($"{PerRate} of {total} runs selected", await count.TextContentAsync());
        var listed = await page.Locator("[data-testid=brushed-run-link]").AllTextContentsAsync();
        Assert.Equal(PerRate, listed.Count);
        Assert.All(listed.Where(n => n != ImgName), n => Assert.StartsWith("lr 0.001 #", n));
        Assert.Contains(ImgName, listed);
        await Browser.ScreenshotAsync(page, "analysis-brushed");

        // Tooltips are where ECharts writes HTML. The scatter's is shown for the run; the parallel plot's (shown on hover
        // only) is asked of its formatter, which must escape the name.
        await page.EvaluateAsync($$"""
            () => echarts.getInstanceByDom(document.querySelector('[data-testid=scatter-chart]'))
              .dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: {{PerRate}} })
            """);
        var tip = page.Locator("[data-testid=scatter-chart] .analysis-tooltip");
        await tip.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 10_000 });
        Assert.StartsWith(ImgName, await tip.TextContentAsync());
        var parallelTip = await page.EvaluateAsync<string>($$"""
            () => {
              const chart = echarts.getInstanceByDom(document.querySelector('[data-testid=parallel-chart]'));
              const row = chart.getOption().series[0].data[{{PerRate}}];
              return chart.getOption().tooltip[0].formatter({ dataIndex: {{PerRate}}, value: row });
            }
            """);
        Assert.Contains("&lt;img src=x onerror=&quot;", parallelTip);
        Assert.DoesNotContain("<img", parallelTip);
        await Browser.ScreenshotAsync(page, "analysis-tooltip");
        // The theme switch recolours both charts in ECharts' dark theme and keeps the brush, as the page's count says.
        await page.Locator("[aria-label='Toggle dark theme']").ClickAsync();
        await page.WaitForFunctionAsync("() => echarts.getInstanceByDom(document.querySelector('[data-testid=parallel-chart]')).getOption().darkMode === true",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await page.Locator("[data-testid=parallel-chart][data-rendered=true]").WaitForAsync();
        var keptAfterThemeChange = await page.EvaluateAsync<int>(
            "() => echarts.getInstanceByDom(document.querySelector('[data-testid=parallel-chart]')).getModel().getSeries()[0].getRawIndicesByActiveState('active').length");
        Assert.Equal(PerRate, keptAfterThemeChange);
        await Browser.ScreenshotAsync(page, "analysis-dark");

        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__injected === undefined"), "The injected onerror handler ran.");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    // The opacity of the chart's canvas just left of the learning-rate axis at 1e-3 (page coordinates from AxisPoint): the
    // axis is the first, so nothing but a brush band is drawn there.
    private const string BandAlpha = """
        ([x, y]) => {
          const canvas = document.querySelector('[data-testid=parallel-chart] canvas');
          const box = canvas.getBoundingClientRect();
          const ratio = canvas.width / box.width;
          return canvas.getContext('2d').getImageData(Math.round((x - 7 - box.left) * ratio), Math.round((y - box.top) * ratio), 1, 1).data[3];
        }
        """;

    // Waits for the page's count of kept runs; says what the page showed when it gives up.
    private static async Task WaitForKeptAsync(IPage page, int expected)
    {
        var count = page.Locator("[data-testid=brush-count]");
        try
        {
            await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=brush-count]').dataset.selected === '{expected}'",
                null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The page did not come to keep {expected} runs; it says: {await count.TextContentAsync()} " +
                $"(range message: {await page.GetByTestId("axis-range-message").TextContentAsync()})", e);
        }
    }

    [Fact]
    public async Task ARangeTypedWithTheKeyboardBrushesTheAxisAndClearBringsEveryRunBack()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        app.Store.InsertMany(StoredAnalysisRuns.Grid(PerRate));
        var total = AnalysisRuns.Rates.Length * PerRate;

        var (page, errors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "analysis"));
        await page.Locator("[data-testid=parallel-chart][data-rendered=true]").WaitForAsync();
        var form = page.GetByTestId("axis-range");
        var atRate = await page.EvaluateAsync<double[]>(AxisPoint, new object[] { "learningRate", 1e-3 });
        Assert.Equal(0, await page.EvaluateAsync<int>(BandAlpha, atRate));
        var axis = form.GetByTestId("axis-range-axis");
        var shown = await axis.TextContentAsync();
        Assert.Contains("Learning rate", shown);
        Assert.DoesNotContain("Batch size", shown);
        // The axis is picked with the keyboard too: open, down to the next axis, Enter; then back up to the learning rate.
        await form.GetByLabel("Axis").FocusAsync();
        foreach (var (key, expected) in new[] { ("ArrowDown", "Batch size"), ("ArrowUp", "Learning rate") })
        {
            // Each key waits for the list to answer the one before (the select's list lives on the server).
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item").First).ToBeVisibleAsync();
            await page.Keyboard.PressAsync(key);
            await Assertions.Expect(page.Locator(".mud-popover-open .mud-selected-item")).ToHaveTextAsync(expected);
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(axis).ToContainTextAsync(expected);
            await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        }

        // Found by their labels (their accessible names), then keyboard only: type, Tab, type, Enter.
        await form.GetByLabel("From", new() { Exact = true }).FocusAsync();
        await page.Keyboard.TypeAsync("0.01");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("0.001");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(form.GetByTestId("axis-range-message")).ToContainTextAsync("From is above To");
        await form.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "analysis-range-refused.png") });
        Assert.Equal(total.ToString(), await page.GetByTestId("brush-count").GetAttributeAsync("data-selected"));

        await form.GetByLabel("From", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("3.2e-4");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("3.2e-3");
        await page.Keyboard.PressAsync("Enter");

        await WaitForKeptAsync(page, PerRate);
        Assert.Contains($"{PerRate} of {total} runs selected", await page.GetByTestId("brush-count").TextContentAsync());
        var listed = await page.Locator("[data-testid=brushed-run-link]").AllTextContentsAsync();
        Assert.Equal(PerRate, listed.Count);
        Assert.All(listed, n => Assert.StartsWith("lr 0.001 #", n));
        Assert.DoesNotContain("above", await form.GetByTestId("axis-range-message").TextContentAsync());
        // The chart's own brush holds the range, in data units on the log axis.
        var interval = await page.EvaluateAsync<double[]>("""
            () => echarts.getInstanceByDom(document.querySelector('[data-testid=parallel-chart]')).getModel()
              .getComponent('parallelAxis', 0).activeIntervals[0]
            """);
        Assert.Equal(3.2e-4, interval[0], 1e-12);
        Assert.Equal(3.2e-3, interval[1], 1e-12);
        // The band is drawn as after a drag, not only the lines dimmed.
        // (Translucent, in the axis's band style as after a drag: ECharts' default for a redrawn band is opaque grey.)
        await page.WaitForFunctionAsync($"([x, y]) => ({BandAlpha})([x, y]) > 0", atRate, new PageWaitForFunctionOptions { Timeout = 10_000 });
        var alpha = await page.EvaluateAsync<int>(BandAlpha, atRate);
        Assert.InRange(alpha, 1, 200);
        await Browser.ScreenshotAsync(page, "analysis-range-typed");

        await page.Locator("[aria-label='Toggle dark theme']").ClickAsync();
        await page.WaitForFunctionAsync("() => echarts.getInstanceByDom(document.querySelector('[data-testid=parallel-chart]')).getOption().darkMode === true",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await page.Locator("[data-testid=parallel-chart][data-rendered=true]").WaitForAsync();
        await WaitForKeptAsync(page, PerRate);
        Assert.InRange(await page.EvaluateAsync<int>(BandAlpha, atRate), 1, 200);
        await Browser.ScreenshotAsync(page, "analysis-range-typed-dark");

        // Clear with the keyboard: from the To field, Tab past Apply to Clear, Space.
        await form.GetByLabel("To", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Clear", await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Space");
        await WaitForKeptAsync(page, total);
        Assert.Equal(0, await page.Locator("[data-testid=brushed-run-link]").CountAsync());
        await page.WaitForFunctionAsync($"([x, y]) => ({BandAlpha})([x, y]) === 0", atRate, new PageWaitForFunctionOptions { Timeout = 10_000 });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ARunThatFinishesAfterThePageReadItsRunsIsOfferedNotForcedIntoTheChart()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        app.Store.InsertMany(StoredAnalysisRuns.Grid(3));
        var total = AnalysisRuns.Rates.Length * 3;

        var (page, errors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "analysis"));
        var summary = page.GetByTestId("analysis-summary");
        await Assertions.Expect(summary).ToContainTextAsync($"{total} completed runs");

        var late = StoredAnalysisRuns.Completed("finished later", Dashboard.Training.TrainingConfig.ReportControl with { LearningRate = 3e-3 }, 0.9, DateTime.UtcNow);
        app.Store.InsertMany([late]);
        app.Services.GetRequiredService<Dashboard.Web.Events.RunNotifier>().Publish(new Dashboard.Web.Events.RunFinished(late.Id, late.Status, null, late.Accuracy));

        var stale = page.GetByTestId("analysis-stale");
        await Assertions.Expect(stale).ToContainTextAsync("A run finished or was deleted since these runs were read.");
        // The chart keeps what it drew until the user asks.
        await Assertions.Expect(summary).ToContainTextAsync($"{total} completed runs");
        await Browser.ScreenshotAsync(page, "analysis-stale");
        await page.GetByTestId("analysis-refresh").ClickAsync();
        await Assertions.Expect(summary).ToContainTextAsync($"{total + 1} completed runs");
        await Assertions.Expect(stale).ToHaveCountAsync(0);
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheStudyPageShowsWhichSettingsMatterForItsRuns()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var runs = StoredAnalysisRuns.Grid(3);
        var studyId = Guid.NewGuid();
        app.Store.InsertMany(runs.Select((r, i) => r with { StudyId = studyId, StudyGroup = i + 1 }));
        var members = runs.Select((r, i) => new StudyMember
        {
            Group = i + 1, RunId = r.Id, Label = r.Name, Config = r.Config,
            Varied = i == 0 ? [] : [StudyParameter.LearningRate, StudyParameter.BatchSize],
        }).ToList();
        app.Services.GetRequiredService<StudyStore>().Insert(new Study
        {
            Id = studyId, Name = "Rates and batches", CreatedUtc = DateTime.UtcNow, Members = members,
            Design = new StudyDesign { Name = "Rates and batches", Mode = StudyMode.Grid },
        });

        var (page, errors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"studies/{studyId}"));
        var section = page.Locator("[data-testid=study-analysis]");
        await section.Locator("[data-testid=parallel-chart][data-rendered=true]").WaitForAsync();
        await section.Locator("[data-testid=importance-table]").WaitForAsync();

        Assert.Contains("Which settings matter", await section.TextContentAsync());
        Assert.Contains($"{runs.Count} completed runs, 2 settings that vary.", await section.Locator("[data-testid=analysis-summary]").TextContentAsync());
        Assert.Equal("learningRate", await section.Locator("[data-testid=importance-row]").First.GetAttributeAsync("data-key"));
        await section.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "study-which-settings-matter.png") });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
