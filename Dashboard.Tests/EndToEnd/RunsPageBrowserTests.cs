using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.EndToEnd;

/// <summary>The runs grid in a real browser: sorting by a header click is done by the store; light and dark.</summary>
[Collection(TrainingCollection.Name)]
public sealed class RunsPageBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task ClickingAColumnHeaderSortsThroughTheStore()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var start = DateTime.UtcNow.AddHours(-3);
        RunStatus[] statuses = [RunStatus.Completed, RunStatus.Completed, RunStatus.Failed, RunStatus.Completed, RunStatus.Cancelled, RunStatus.Diverged, RunStatus.Interrupted];
        double?[] accuracies = [0.8812, 0.9105, null, 0.8634, null, null, null];
        app.Store.InsertMany(statuses.Select((status, i) => new Run
        {
            Id = Guid.NewGuid(),
            Name = RunStore.DefaultName(TrainingConfig.ReportControl with { Epochs = 1 + i, BatchSize = i % 2 == 0 ? 128 : 64 }),
            Config = TrainingConfig.ReportControl with { Epochs = 1 + i, BatchSize = i % 2 == 0 ? 128 : 64 },
            Status = status,
            StatusReason = status == RunStatus.Completed ? null : $"{status} for the screenshot.",
            CreatedUtc = start.AddMinutes(10 * i),
            Accuracy = accuracies[i],
            MacroF1 = accuracies[i] - 0.002,
            TrainingSeconds = accuracies[i] is null ? null : 40.0 * (1 + i),
        }));

        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(app.BaseAddress);
        await page.GetByTestId("run-link").First.WaitForAsync();
        Assert.Equal(7, await page.GetByTestId("run-link").CountAsync());
        await Browser.ScreenshotAsync(page, "runs-light");

        // Sort by accuracy, highest first: two clicks on the column title (ascending, then descending).
        var title = page.Locator("th .sortable-column-header").Filter(new LocatorFilterOptions { HasText = "Accuracy" });
        await title.ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=cell-accuracy]')?.textContent === ''");
        await title.ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=cell-accuracy]')?.textContent === '91.05 %'");
        var shown = await page.GetByTestId("cell-accuracy").AllTextContentsAsync();
        Assert.Equal(["91.05 %", "88.12 %", "86.34 %"], shown.Take(3));


        await page.GetByLabel("Toggle dark theme").ClickAsync();
        await page.Mouse.MoveAsync(0, 400); // away from the button, so its tooltip is not in the screenshot
        await page.WaitForFunctionAsync("() => getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'");
        await Browser.ScreenshotAsync(page, "runs-dark");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }
}
