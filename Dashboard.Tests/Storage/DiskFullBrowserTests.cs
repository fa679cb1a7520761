using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.Storage;

/// <summary>A click whose write meets a full disk, in Chromium: the page says so and the connection lives on.</summary>
[Collection(TrainingCollection.Name)]
public sealed class DiskFullBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task PinningOnAFullDiskSaysSoInThePageAndTheDashboardCarriesOnOnceSpaceIsFreed()
    {
        using var dir = new TempDirectory();
        using var disk = SmallDisk.Mount(Path.Combine(dir.Path, "disk"), megabytes: 16);
        await using var app = disk.StartDashboard(dir.Path);
        var run = new Run { Id = Guid.NewGuid(), Name = "to pin", Config = TrainingConfig.ReportControl, Status = RunStatus.Completed, CreatedUtc = DateTime.UtcNow };
        app.Store.InsertMany([run]);
        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "runs"));
        await page.GetByTestId("pin-run").WaitForAsync();

        var filler = disk.Fill("filler");
        await page.GetByTestId("pin-run").ClickAsync();

        var error = page.GetByTestId("page-error");
        await Assertions.Expect(error).ToContainTextAsync("disk that holds the dashboard's database is full, so nothing was changed");
        await Browser.ScreenshotAsync(page, "disk-full-pin");
        // LiteDB's failed transaction, if left to its finaliser, ends the process (docs/reliability.md): let it run now.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(await page.Locator("#blazor-error-ui").IsVisibleAsync(), "Blazor's unhandled-error bar is showing: the circuit ended");

        File.Delete(filler);
        await page.GetByTestId("page-error-back").ClickAsync();
        await page.GetByTestId("pin-run").ClickAsync();
        await page.GetByTestId("baseline-mark").WaitForAsync();
        Assert.Equal(0, await error.CountAsync());
        // Chromium logs nothing for a handled error: only the pin that failed was the page's business.
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }
}
