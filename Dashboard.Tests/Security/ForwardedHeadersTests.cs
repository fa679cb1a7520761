using System.Net;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Security;

/// <summary>
/// X-Forwarded-For and -Proto are believed only from the proxies in <c>Proxy:TrustedProxies</c>: then the audit log
/// records the client's address, the session cookie is Secure and the sign-in limit counts per client.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class ForwardedHeadersTests
{
    private const string Client = "203.0.113.7", OtherClient = "203.0.113.8";

    [Fact]
    public async Task BehindATrustedProxyTheClientsAddressAndHttpsAreUsed()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode(("Proxy:TrustedProxies:0", "127.0.0.1"))).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        using var response = await session.SignInAsync("mia", Accounts.Password, alter: ViaProxy(Client));

        Assert.Contains("; secure", FormSession.SessionCookieOf(response) ?? "(no cookie)", StringComparison.OrdinalIgnoreCase);
        var signIn = Assert.Single(app.Services.GetRequiredService<AuditLog>().Query(0, 10, "mia", AuditActions.SignIn).Items);
        Assert.Equal(Client, signIn.Address);
    }

    [Fact]
    public async Task WithoutTrustedProxiesTheForwardedHeadersAreIgnored()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        using var response = await session.SignInAsync("mia", Accounts.Password, alter: ViaProxy(Client));

        var cookie = FormSession.SessionCookieOf(response) ?? throw new InvalidOperationException($"No session cookie; status {(int)response.StatusCode}.");
        Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        var signIn = Assert.Single(app.Services.GetRequiredService<AuditLog>().Query(0, 10, "mia", AuditActions.SignIn).Items);
        Assert.Equal("127.0.0.1", signIn.Address);
    }

    [Fact]
    public async Task BehindATrustedProxyTheSignInLimitCountsEachClientApart()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode(
            ("Proxy:TrustedProxies:0", "127.0.0.0/8"), ("RateLimits:SignInsPerMinute", "2"))).WithUser("mia", Role.Member);
        using var session = new FormSession(app.BaseAddress);

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var attempt = await session.SignInAsync("nobody", "not-the-password", alter: ViaProxy(Client));
            first.Add(attempt.StatusCode);
        }
        using var other = await session.SignInAsync("mia", Accounts.Password, alter: ViaProxy(OtherClient));

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], first);
        // One client's guessing does not lock the others behind the same proxy out.
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
    }

    private static Action<HttpRequestMessage> ViaProxy(string client) => request =>
    {
        request.Headers.Add("X-Forwarded-For", client);
        request.Headers.Add("X-Forwarded-Proto", "https");
    };
}
