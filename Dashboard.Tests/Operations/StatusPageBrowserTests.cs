using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>The status page in Debian's Chromium, reached from the navigation, with a run in training; screenshots for a person to look at.</summary>
[Collection(TrainingCollection.Name)]
public sealed class StatusPageBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 2, BatchSize = 64, TrainSubset = 1000, Threads = 2 };

    [Fact]
    public async Task TheNavigationLeadsToTheStatusPageWhichShowsTheRunInTraining()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, new Dictionary<string, string?> { ["Retention:MaxDatabaseBytes"] = "50000000" });
        var old = new Run
        {
            Id = Guid.NewGuid(), Name = "an old cancelled run", Config = Quick, Status = RunStatus.Cancelled,
            CreatedUtc = DateTime.UtcNow.AddDays(-41), FinishedUtc = DateTime.UtcNow.AddDays(-40),
        };
        app.Store.InsertMany([old]);
        app.Store.SaveCheckpoint(old.Id, new byte[800_000]);
        app.Store.SaveWeights(old.Id, new byte[400_000]);
        app.Services.GetRequiredService<RetentionService>().Apply();
        var id = app.Training.Launch(Quick, "training for the screenshot").Run!.Id;
        app.Training.Launch(Quick, "waiting");
        var gate = RunGate.AfterEpoch(app, id, 1);
        await gate.Held;
        try
        {
            var (page, errors) = await browser.NewPageAsync();
            await page.GotoInteractiveAsync(app.BaseAddress);
            await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Status" }).ClickAsync();
            await Browser.WaitForPathAsync(page, "^/status$");
            await page.GetByTestId("status-running").WaitForAsync();
            Assert.Equal("training for the screenshot", await page.GetByTestId("status-running").TextContentAsync());
            Assert.StartsWith("epoch 1 of 2", await page.GetByTestId("status-running-progress").TextContentAsync());
            Assert.Contains("1 run waiting", await page.GetByTestId("status-queued").TextContentAsync());
            Assert.Contains("removed 1 checkpoint", await page.GetByTestId("status-last-pass").TextContentAsync());
            await Browser.ScreenshotAsync(page, "status-light");
            await page.GetByLabel("Toggle dark theme").ClickAsync();
            await Browser.ScreenshotAsync(page, "status-dark");
            Assert.Empty(errors);
        }
        finally
        {
            gate.Release();
        }
    }
}
