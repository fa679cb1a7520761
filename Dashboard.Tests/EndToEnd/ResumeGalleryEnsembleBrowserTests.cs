using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.EndToEnd;

/// <summary>
/// Issue 6's pages in a real Chromium: cancel a quick run mid-way and resume it from its page, open the
/// error gallery from a confusion-matrix cell, and make an ensemble from the runs grid.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class ResumeGalleryEnsembleBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 3, BatchSize = 128, TrainSubset = 2000, Threads = 2 };

    private static Task WaitForStatusAsync(IPage page, string status, int timeout = 120_000) =>
        page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=run-status]')?.textContent.trim() === '{status}'",
            null, new PageWaitForFunctionOptions { Timeout = timeout, PollingInterval = 100 });

    [Fact]
    public async Task CancelResumeGalleryAndEnsembleWorkFromThePages()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        // Held at its start until the page listens, then after epoch 1 until the cancel reached the server:
        // unheld, its last two epochs (~4 s) could end before a slow click lands.
        var start = RunGate.AtStart(app);
        var resumable = app.Training.Launch(Quick, "cancel me").Run!;
        var other = app.Training.Launch(Quick with { Epochs = 1, Seed = 9 }, "second member").Run!;
        Assert.Equal(resumable.Id, await start.Held);
        var (page, consoleErrors) = await browser.NewPageAsync();

        // Cancel after the first epoch point arrives on the live chart.
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{resumable.Id}"));
        var afterEpoch1 = RunGate.AfterEpoch(app, resumable.Id, 1);
        start.Release();
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=chart-accuracy]')?.dataset.points) >= 1",
            null, new PageWaitForFunctionOptions { Timeout = 120_000, PollingInterval = 50 });
        await afterEpoch1.Held;
        await page.GetByTestId("cancel-run").ClickAsync();
        // The button is disabled once the server has cancelled the run's token.
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=cancel-run]')?.disabled === true");
        afterEpoch1.Release();
        await WaitForStatusAsync(page, "Cancelled");
        Assert.Equal([1], app.Store.Get(resumable.Id)!.Epochs.Select(e => e.Epoch));
        Assert.Equal("Resume", (await page.GetByTestId("resume-run").TextContentAsync())!.Trim());
        await Browser.ScreenshotAsync(page, "run-cancelled-resumable");

        await page.GetByTestId("resume-run").ClickAsync();
        await page.GetByTestId("report-accuracy").WaitForAsync(new LocatorWaitForOptions { Timeout = 180_000 });
        await WaitForStatusAsync(page, "Completed");
        var done = app.Store.Get(resumable.Id)!;
        Assert.Equal([1, 2, 3], done.Epochs.Select(e => e.Epoch));
        // The curve continues where it stopped: all three epochs on the chart, none twice.
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=chart-accuracy]')?.dataset.points) === 3");

        // The gallery: every mistake at first, then exactly one cell's images.
        var gallery = page.GetByTestId("error-gallery");
        await gallery.GetByTestId("gallery-item").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var (truth, predicted) = Enumerable.Range(0, 10).SelectMany(t => Enumerable.Range(0, 10).Where(p => p != t).Select(p => (t, p)))
            .MaxBy(c => done.Confusion!.Counts[c.t][c.p]);
        var count = done.Confusion!.Counts[truth][predicted];
        await page.Locator($"[data-testid=confusion-matrix] tbody tr:nth-child({truth + 1}) td:nth-child({predicted + 2})").ClickAsync();
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('[data-testid=gallery-item]').length === {Math.Min(count, 48)} && document.querySelector('[data-testid=gallery-show-all]')");
        Assert.Contains($"{count:N0} image", (await gallery.GetByTestId("gallery-count").TextContentAsync())!);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=gallery-item] img')].every(i => i.complete && i.naturalWidth === 28)");
        await gallery.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(page, "run-error-gallery");

        // An ensemble of the two completed runs from the runs grid.
        await app.WaitForFinishAsync(other.Id);
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "runs"));
        foreach (var name in new[] { "cancel me", "second member" })
            await page.GetByLabel($"Select {name}").CheckAsync();
        await page.GetByTestId("create-ensemble").ClickAsync();
        // Blazor navigates inside the document (no load event): wait on the path, and say what the page showed if it did not move.
        try
        {
            await Browser.WaitForPathAsync(page, "^/runs/[0-9a-f-]{36}$");
        }
        catch (TimeoutException)
        {
            await Browser.ScreenshotAsync(page, "ensemble-not-created");
            var snackbars = string.Join(" | ", await page.Locator(".mud-snackbar").AllTextContentsAsync());
            Assert.Fail($"No ensemble page opened. Snackbars: {snackbars}; selection: {await page.GetByTestId("selection-count").TextContentAsync()}");
        }
        // The path changes before the run page replaces the grid, whose status chips also match run-status:
        // wait for the ensemble's own members table first (a CI run read the grid's "Completed" and counted 0 members).
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=ensemble-members] tbody tr').length >= 2",
            null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 });
        await WaitForStatusAsync(page, "Completed", 60_000);
        Assert.Equal(2, await page.GetByTestId("ensemble-members").Locator("tbody tr").CountAsync());
        await page.GetByTestId("report-accuracy").WaitForAsync();
        await Browser.ScreenshotAsync(page, "run-ensemble");
        var ensembleId = Guid.Parse((await page.EvaluateAsync<string>("location.pathname")).Split('/')[^1]);
        Assert.Equal(new[] { resumable.Id, other.Id }.Order(), app.Store.Get(ensembleId)!.EnsembleMembers!.Order());

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "runs"));
        await page.GetByTestId("runs-grid").Locator("td").GetByText("Ensemble", new() { Exact = true }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "runs-with-ensemble");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }
}
