using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.Tests.Security;

/// <summary>The sign-in page and the session cookie, in Chromium and over plain HTTP, in Accounts mode.</summary>
[Collection(TrainingCollection.Name)]
public sealed class SignInTests(Browser browser) : IClassFixture<Browser>
{
    private const string WrongPassword = "not-the-password";

    [Fact]
    public async Task SigningInReturnsToThePageThatAskedForIt()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        var (page, consoleErrors) = await browser.NewPageAsync();

        await page.GotoAsync(new Uri(app.BaseAddress, "status").ToString());
        await Browser.WaitForPathAsync(page, "^/signin\\?ReturnUrl=%2Fstatus$");
        // The form posts to its own address, so ReturnUrl goes with the post.
        var action = await page.GetByTestId("signin-form").GetAttributeAsync("action");
        Assert.True(action is null || action.Contains("ReturnUrl=%2Fstatus", StringComparison.Ordinal), $"The form posts to {action}, which drops ReturnUrl.");
        await Browser.ScreenshotAsync(page, "signin-light");
        await page.GetByTestId("signin-name").FillAsync("mia");
        await page.GetByTestId("signin-password").FillAsync(Accounts.Password);
        await page.GetByTestId("signin-submit").ClickAsync();

        await Browser.WaitForPathAsync(page, "^/status$", 30_000);
        await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Empty(consoleErrors);
        Assert.Contains(app.Services.GetRequiredService<AuditLog>().Query(0, 10, "mia", AuditActions.SignIn).Items, e => e.Address == "127.0.0.1");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AWrongPasswordShowsTheMessageAndStaysSignedOut()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        var (page, _) = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(360, 740);

        await page.GotoAsync(new Uri(app.BaseAddress, "signin?ReturnUrl=%2Fruns").ToString());
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.GetByText("Enter your user name.").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.True(await page.GetByText("Enter your password.").IsVisibleAsync(), "An empty form names both missing fields.");
        await page.GetByTestId("signin-name").FillAsync("mia");
        await page.GetByTestId("signin-password").FillAsync(WrongPassword);
        await page.GetByTestId("signin-submit").ClickAsync();

        var error = page.GetByTestId("signin-error");
        await error.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal("Wrong user name or password.", (await error.TextContentAsync())?.Trim());
        Assert.Equal("mia", await page.GetByTestId("signin-name").InputValueAsync());
        // The password is not sent back in the page.
        Assert.Equal("", await page.GetByTestId("signin-password").InputValueAsync());
        Assert.DoesNotContain(WrongPassword, await page.ContentAsync());
        await Browser.ScreenshotAsync(page, "signin-wrong-password-narrow");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "dashboard.auth");
        await page.GotoAsync(new Uri(app.BaseAddress, "runs").ToString());
        await Browser.WaitForPathAsync(page, "^/signin\\?ReturnUrl=%2Fruns$");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AfterTooManyFailuresEvenTheRightPasswordIsRefusedUntilTheLockoutEnds()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode(("Access:MaxFailedSignIns", "3"))).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        for (var i = 0; i < 2; i++) Assert.Contains("Wrong user name or password.", await BodyOfAsync(await session.SignInAsync("mia", WrongPassword)));
        var third = await BodyOfAsync(await session.SignInAsync("mia", WrongPassword));
        using var rightButLocked = await session.SignInAsync("mia", Accounts.Password);

        Assert.Contains("Too many failed sign-ins: this account is locked until", third);
        Assert.Equal(HttpStatusCode.Unauthorized, rightButLocked.StatusCode);
        Assert.Null(FormSession.SessionCookieOf(rightButLocked));
        Assert.Contains("locked until", await rightButLocked.Content.ReadAsStringAsync());
        Assert.NotNull(app.Services.GetRequiredService<UserStore>().Find("mia")!.LockedUntilUtc);

        // The lockout ends (its time moved into the past, as the clock would): the right password works again.
        app.Services.GetRequiredService<UserStore>().Update("mia", u => u with { LockedUntilUtc = DateTime.UtcNow.AddSeconds(-1) });
        using var afterLockout = await session.SignInAsync("mia", Accounts.Password, returnUrl: "/runs");
        Assert.Equal(HttpStatusCode.Redirect, afterLockout.StatusCode);
        Assert.Equal("/runs", afterLockout.Headers.Location?.OriginalString);
        Assert.NotNull(FormSession.SessionCookieOf(afterLockout));
    }

    [Fact]
    public async Task SigningOutEndsTheSession()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);
        (await session.SignInAsync("mia", Accounts.Password)).Dispose();
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("api/runs")).StatusCode);

        using var signOut = await session.SignOutAsync();
        using var after = await session.Http.GetAsync("api/runs");

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.EndsWith("/signin", signOut.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains(app.Services.GetRequiredService<AuditLog>().Query(0, 10, "mia", AuditActions.SignOut).Items, e => e.Address == "127.0.0.1");
    }

    [Fact]
    public async Task SignOutWithoutTheAntiforgeryTokenIsRefused()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);
        (await session.SignInAsync("mia", Accounts.Password)).Dispose();

        using var forged = await session.Http.PostAsync("signout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("api/runs")).StatusCode);
    }

    [Fact]
    public async Task TheSessionCookieIsHttpOnlyAndLaxAndNotSecureOverPlainHttp()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        using var response = await session.SignInAsync("mia", Accounts.Password);

        var cookie = FormSession.SessionCookieOf(response) ?? throw new InvalidOperationException($"No session cookie; status {(int)response.StatusCode}.");
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OverHttpsTheSessionCookieIsSecure()
    {
        using var dir = new TempDirectory();
        using var certificate = TestCertificate.Create();
        var pfx = Path.Combine(dir.Path, "dashboard.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        // The set-up docs/security.md describes: a Kestrel HTTPS endpoint with a certificate file.
        await using var app = new DashboardApp(dir.Path, Accounts.Mode(
            ("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0"),
            ("Kestrel:Endpoints:Https:Certificate:Path", pfx),
            ("Kestrel:Endpoints:Https:Certificate:Password", "pfx-password"))).WithUser("mia", Role.Member);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var https = new Uri(addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)) + "/");
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
                presented?.Thumbprint == certificate.Thumbprint && errors is SslPolicyErrors.None or SslPolicyErrors.RemoteCertificateChainErrors,
        };
        using var session = new FormSession(https, handler);

        using var response = await session.SignInAsync("mia", Accounts.Password);
        using var api = await session.Http.GetAsync("api/runs");

        var cookie = FormSession.SessionCookieOf(response) ?? throw new InvalidOperationException($"No session cookie; status {(int)response.StatusCode}.");
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task ADisabledUsersCookieStopsWorkingAtTheNextRequest()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);
        (await session.SignInAsync("mia", Accounts.Password)).Dispose();
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("api/runs")).StatusCode);

        Assert.Null(app.Services.GetRequiredService<AccountService>().SetDisabled("mia", true));
        using var api = await session.Http.GetAsync("api/runs");
        using var page = await session.Http.GetAsync("runs");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/signin?ReturnUrl=%2Fruns", page.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example/runs")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task AReturnUrlToAnotherSiteLandsOnTheDashboardsHome(string returnUrl)
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        using var response = await session.SignInAsync("mia", Accounts.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TooManySignInPostsFromOneAddressAreAnswered429WithRetryAfter()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode(("RateLimits:SignInsPerMinute", "3"))).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var attempt = await session.SignInAsync("nobody", WrongPassword);
            statuses.Add(attempt.StatusCode);
        }
        using var fourth = await session.SignInAsync("mia", Accounts.Password);
        using var pageStillServed = await session.Http.GetAsync("signin");

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Equal("application/problem+json", fourth.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(Assert.Single(fourth.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Null(FormSession.SessionCookieOf(fourth));
        // Only posts are attempts: the page itself is still served.
        Assert.Equal(HttpStatusCode.OK, pageStillServed.StatusCode);
    }

    private static async Task<string> BodyOfAsync(HttpResponseMessage response)
    {
        using (response) return await response.Content.ReadAsStringAsync();
    }
}

/// <summary>A self-signed certificate for 127.0.0.1, valid for a day: HTTPS on loopback without touching the machine's stores.</summary>
internal static class TestCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
