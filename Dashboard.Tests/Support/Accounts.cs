using System.Net.Http.Headers;
using Dashboard.Web.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.Tests.Support;

/// <summary>Accounts mode in tests: the settings that switch it on, users and tokens made through the app's own services.</summary>
public static class Accounts
{
    public const string Password = "test-password-1";

    /// <summary>Settings for a <see cref="DashboardApp"/> in Accounts mode (plus any <paramref name="more"/>).</summary>
    public static Dictionary<string, string?> Mode(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Access:Mode"] = "Accounts" };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    /// <summary>Adds a user with <see cref="Password"/>; fails the test with the service's message if it cannot.</summary>
    public static DashboardApp WithUser(this DashboardApp app, string name, Role role)
    {
        var error = app.Services.GetRequiredService<AccountService>().Add(name, role, Password);
        if (error is not null) throw new InvalidOperationException($"Could not add user {name}: {error}");
        return app;
    }

    /// <summary>A new API token of <paramref name="owner"/> (limited to <paramref name="role"/>, default the most).</summary>
    public static string TokenFor(this DashboardApp app, string owner, Role role = Role.Admin, string name = "test")
    {
        var (created, error) = app.Services.GetRequiredService<ApiTokenStore>().Create(owner, name, role, null);
        return created?.Secret ?? throw new InvalidOperationException($"Could not make a token for {owner}: {error}");
    }

    /// <summary>An HttpClient to the Kestrel port that sends <paramref name="token"/> as Bearer.</summary>
    public static HttpClient CreateHttpClient(this DashboardApp app, string token)
    {
        var client = app.CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A new page (<see cref="Browser.NewPageAsync"/>) on which <paramref name="name"/> has signed in, interactive at <paramref name="returnPath"/>.</summary>
    public static async Task<(IPage Page, List<string> ConsoleErrors)> NewSignedInPageAsync(
        this Browser browser, DashboardApp app, string name, string password = Password, string returnPath = "/runs")
    {
        var (page, errors) = await browser.NewPageAsync();
        await SignInAsync(page, app.BaseAddress, name, password, returnPath);
        return (page, errors);
    }

    /// <summary>Signs <paramref name="name"/> in on the sign-in page and waits until the page it returns to is interactive.</summary>
    public static async Task SignInAsync(IPage page, Uri baseAddress, string name, string password = Password, string returnPath = "/runs")
    {
        await page.GotoAsync(new Uri(baseAddress, $"signin?ReturnUrl={Uri.EscapeDataString(returnPath)}").ToString());
        await page.GetByTestId("signin-name").FillAsync(name);
        await page.GetByTestId("signin-password").FillAsync(password);
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-interactive=true]') || document.querySelector('[data-testid=signin-error]')",
            null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 });
        if (await page.GetByTestId("signin-error").CountAsync() > 0)
            throw new InvalidOperationException($"Sign-in of {name} failed: {await page.GetByTestId("signin-error").TextContentAsync()}");
    }
}
