using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.Security;

/// <summary>What a member sees of their own runs and of others' in Chromium, signed in (Accounts mode).</summary>
[Collection(TrainingCollection.Name)]
public sealed class OwnershipBrowserTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task AMemberMayCancelTheirOwnRunButNotAnotherMembers()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("alice", Role.Member).WithUser("bob", Role.Member);
        var alices = OwnershipTests.QueuedRun("alice's run", "alice");
        var bobs = OwnershipTests.QueuedRun("bob's run", "bob");
        app.Store.InsertMany([alices, bobs]);

        var (page, errors) = await browser.NewSignedInPageAsync(app, "bob");

        // The grid names each run's creator; "Mine" keeps bob's.
        await page.GetByTestId("cell-created-by").First.WaitForAsync();
        Assert.Equal(["bob", "alice"], await page.GetByTestId("cell-created-by").AllTextContentsAsync());
        await page.GetByTestId("filter-mine").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=cell-created-by]').length === 1",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Equal(["bob"], await page.GetByTestId("cell-created-by").AllTextContentsAsync());
        await Browser.ScreenshotAsync(page, "ownership-runs-mine");

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{alices.Id}"));
        await Assertions.Expect(page.GetByTestId("run-created-by")).ToContainTextAsync("alice");
        await Assertions.Expect(page.GetByTestId("cancel-run")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("delete-run")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("annotations-readonly")).ToContainTextAsync("Only the run's creator (alice) or an admin");
        await Assertions.Expect(page.GetByTestId("tag-input")).ToBeDisabledAsync();
        await Browser.ScreenshotAsync(page, "ownership-others-run");

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{bobs.Id}"));
        await Assertions.Expect(page.GetByTestId("run-created-by")).ToContainTextAsync("bob");
        await Assertions.Expect(page.GetByTestId("cancel-run")).ToBeEnabledAsync();
        Assert.Equal(0, await page.GetByTestId("annotations-readonly").CountAsync());
        await page.GetByTestId("cancel-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("resume-run")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "ownership-own-run");

        Assert.Equal(RunStatus.Cancelled, app.Store.Get(bobs.Id)!.Status);
        Assert.Equal(RunStatus.Queued, app.Store.Get(alices.Id)!.Status);
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
