using System.Net;
using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Microsoft.Playwright;

namespace Dashboard.Tests.Security;

/// <summary>The account pages in Chromium: tokens made and revoked on the page, users added, the audit log, the app bar.</summary>
[Collection(TrainingCollection.Name)]
public sealed class AdminPagesBrowserTests(Browser browser) : IClassFixture<Browser>
{
    private static ILocator Field(IPage page, string testId) => page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    private static async Task TypeAsync(IPage page, string testId, string value)
    {
        var input = Field(page, testId);
        await input.FillAsync(value);
        await input.PressAsync("Tab"); // MudBlazor commits a typed value on change
    }

    [Fact]
    public async Task AnAdminMakesATokenSeesItOnceUsesItAndRevokesIt()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("ann", Role.Admin);
        var (page, consoleErrors) = await browser.NewSignedInPageAsync(app, "ann", returnPath: "/account/tokens");
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = app.BaseAddress.GetLeftPart(UriPartial.Authority) });

        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync("ann");
        await Assertions.Expect(page.GetByTestId("user-role")).ToHaveTextAsync("Admin");
        await Assertions.Expect(page.GetByTestId("nav-users")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("own-tokens").GetByTestId("no-tokens")).ToBeVisibleAsync();

        await TypeAsync(page, "token-name", "made on the page");
        await page.GetByTestId("token-create").ClickAsync();
        var panel = page.GetByTestId("token-secret-panel");
        await Assertions.Expect(panel).ToContainTextAsync("you will not see it again");
        var secret = (await page.GetByTestId("token-secret").TextContentAsync())!.Trim();
        Assert.StartsWith(ApiTokenStore.SecretPrefix, secret);
        await page.GetByTestId("token-copy").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "Copied" })).ToBeVisibleAsync();
        Assert.Equal(secret, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await page.Mouse.MoveAsync(0, 800);
        await Browser.ScreenshotAsync(page, "tokens-created");

        using var script = app.CreateHttpClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("api/runs")).StatusCode);

        // Shown once: opened again, the page lists the token by its prefix and never shows the secret.
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "account/tokens"));
        var row = page.GetByTestId("own-tokens").Locator("tr[data-token-name='made on the page']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-token-state", "active");
        Assert.Equal(0, await page.GetByTestId("token-secret").CountAsync());
        Assert.DoesNotContain(secret, await page.ContentAsync());
        Assert.Contains(secret[..10], await row.TextContentAsync());

        await row.GetByTestId("token-revoke").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("made on the page");
        await Browser.ScreenshotAsync(page, "tokens-revoke-confirm");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Assertions.Expect(row).ToHaveAttributeAsync("data-token-state", "revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("api/runs")).StatusCode);
        await page.Mouse.MoveAsync(0, 800);
        await Browser.ScreenshotAsync(page, "tokens-revoked");

        await page.GetByTestId("nav-audit").ClickAsync();
        await Browser.WaitForPathAsync(page, "^/admin/audit$");
        await Assertions.Expect(page.GetByTestId("audit-row-action").First).ToHaveTextAsync("token.revoke");
        var actions = await page.GetByTestId("audit-row-action").AllTextContentsAsync();
        Assert.Equal(["token.revoke", "token.create", "signin"], actions);
        await Browser.ScreenshotAsync(page, "audit");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnAdminAddsAUserWhoThenSignsInAsAMember()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("ann", Role.Admin);
        var (page, consoleErrors) = await browser.NewSignedInPageAsync(app, "ann", returnPath: "/admin/users");

        await TypeAsync(page, "new-user-name", "carol");
        await TypeAsync(page, "new-user-password", "carols-password");
        await page.GetByTestId("new-user-add").ClickAsync();
        var carol = page.Locator("tr[data-user=carol]");
        await Assertions.Expect(carol).ToHaveAttributeAsync("data-status", "Active");
        await Assertions.Expect(carol.Locator(".mud-input-control")).ToContainTextAsync("Member");

        // The only admin cannot demote themselves, and the page says why.
        await page.Locator("tr[data-user=ann] .mud-input-control").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Viewer" }).ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "last enabled admin" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tr[data-user=ann] .mud-input-control")).ToContainTextAsync("Admin");
        await page.Mouse.MoveAsync(0, 800);
        await Browser.ScreenshotAsync(page, "users");

        var (carolsPage, carolsErrors) = await browser.NewSignedInPageAsync(app, "carol", "carols-password", returnPath: "/account/tokens");
        await Assertions.Expect(carolsPage.GetByTestId("user-name")).ToHaveTextAsync("carol");
        await Assertions.Expect(carolsPage.GetByTestId("user-role")).ToHaveTextAsync("Member");
        await Assertions.Expect(carolsPage.GetByTestId("nav-tokens")).ToBeVisibleAsync();
        Assert.Equal(0, await carolsPage.GetByTestId("nav-users").CountAsync());
        Assert.Equal(0, await carolsPage.GetByTestId("all-tokens").CountAsync());
        await Browser.ScreenshotAsync(carolsPage, "tokens-member");

        var forbidden = await carolsPage.GotoAsync(new Uri(app.BaseAddress, "admin/users").ToString());
        Assert.Equal(403, forbidden!.Status);
        await Assertions.Expect(carolsPage.GetByTestId("not-allowed")).ToContainTextAsync("Your role (Member) does not open this page");
        Assert.Equal(0, await carolsPage.GetByTestId("users").CountAsync());
        await Browser.ScreenshotAsync(carolsPage, "forbidden");
        lock (carolsErrors) carolsErrors.RemoveAll(e => e.Contains("status of 403")); // the document's own status, as meant

        await carolsPage.GotoInteractiveAsync(new Uri(app.BaseAddress, "runs"));
        await carolsPage.GetByTestId("signout").ClickAsync();
        await Browser.WaitForPathAsync(carolsPage, "^/signin");
        var gone = await carolsPage.APIRequest.GetAsync(new Uri(app.BaseAddress, "api/runs").ToString());
        Assert.Equal(401, gone.Status); // the browser's cookie no longer signs it in
        await gone.DisposeAsync();
        Assert.Empty(consoleErrors);
        Assert.Empty(carolsErrors);
        await page.Context.CloseAsync();
        await carolsPage.Context.CloseAsync();
    }

    [Fact]
    public async Task LocalModeShowsNoAccountChrome()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var (page, consoleErrors) = await browser.NewPageAsync();

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "account/tokens"));
        await Assertions.Expect(page.GetByTestId("tokens-not-needed")).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByTestId("user-menu").CountAsync());
        Assert.Equal(0, await page.GetByTestId("nav-tokens").CountAsync());
        Assert.Equal(0, await page.GetByTestId("nav-audit").CountAsync());
        await Browser.ScreenshotAsync(page, "tokens-local");
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }
}
