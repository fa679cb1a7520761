using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Dashboard.Web.Events;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Security;

/// <summary>Personal API tokens and the audit API in Accounts mode, over real Kestrel: what a script sees.</summary>
[Collection(TrainingCollection.Name)]
public sealed class TokenTests
{
    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static async Task<(Guid Id, string Secret)> CreateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("api/tokens", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST api/tokens: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var json = await JsonAsync(response);
        var id = json.GetProperty("token").GetProperty("id").GetGuid();
        Assert.Equal($"/api/tokens/{id}", response.Headers.Location?.ToString());
        return (id, json.GetProperty("secret").GetString()!);
    }

    [Fact]
    public async Task ATokenIsABearerForTheApiAndNothingElseIs()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("bob", Role.Member);
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        using var anonymous = app.CreateHttpClient();
        using var forged = app.CreateHttpClient(ApiTokenStore.SecretPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/runs")).StatusCode);
        using var refused = await forged.GetAsync("api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ARevokedTokenIsRefusedOnTheVeryNextRequestAndTheAuditSaysWhoDidIt()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("bob", Role.Member);
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));

        var (id, secret) = await CreateAsync(bob, new { name = "nightly sweep", expiresInDays = 30 });
        Assert.StartsWith(ApiTokenStore.SecretPrefix, secret);
        using var script = app.CreateHttpClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("api/runs")).StatusCode);

        var listed = await JsonAsync(await bob.GetAsync("api/tokens"));
        var made = listed.EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == id);
        Assert.Equal("Member", made.GetProperty("role").GetString()); // the default: the maker's own role
        Assert.Equal(secret[..10], made.GetProperty("prefix").GetString());
        Assert.False(listed.EnumerateArray().Any(t => t.TryGetProperty("secret", out _) || t.TryGetProperty("hash", out _)), "a listing holds no secret or hash");

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"api/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"api/tokens/{id}")).StatusCode); // again: no change

        var (entries, _) = app.Services.GetRequiredService<AuditLog>().Query(0, 10, "bob");
        Assert.Equal([AuditActions.TokenRevoke, AuditActions.TokenCreate], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("nightly sweep", e.Target));
    }

    [Fact]
    public async Task AnExpiredTokenIsRefused()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("bob", Role.Member);
        var expires = DateTime.UtcNow.AddSeconds(2);
        var (created, error) = app.Services.GetRequiredService<ApiTokenStore>().Create("bob", "short-lived", Role.Member, expires);
        Assert.Null(error);
        using var client = app.CreateHttpClient(created!.Secret);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/runs")).StatusCode);
        await Task.Delay(expires - DateTime.UtcNow + TimeSpan.FromMilliseconds(200));
        using var refused = await client.GetAsync("api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("expired", (await JsonAsync(refused)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AViewerLimitedTokenOfAnAdminOnlyViews()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("ann", Role.Admin);
        using var viewer = app.CreateHttpClient(app.TokenFor("ann", Role.Viewer));

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/runs")).StatusCode);
        using var launch = await viewer.PostAsJsonAsync("api/runs", new { config = new { epochs = 1, trainSubset = 500 } });
        Assert.Equal(HttpStatusCode.Forbidden, launch.StatusCode);
        Assert.Equal(0, app.Store.Count());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("api/audit")).StatusCode);
        // Nor can it make itself a stronger token.
        using var stronger = await viewer.PostAsJsonAsync("api/tokens", new { name = "escalate", role = "Admin" });
        Assert.Equal(HttpStatusCode.BadRequest, stronger.StatusCode);
        Assert.Contains("at most what you can: Viewer", (await JsonAsync(stronger)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ADisabledUsersTokenIsRefusedUntilTheyAreEnabled()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("ann", Role.Admin).WithUser("bob", Role.Member);
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        var accounts = app.Services.GetRequiredService<AccountService>();

        Assert.Null(accounts.SetDisabled("bob", true));
        using var refused = await bob.GetAsync("api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("disabled", (await JsonAsync(refused)).GetProperty("detail").GetString());

        Assert.Null(accounts.SetDisabled("bob", false));
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("api/runs")).StatusCode);
    }

    [Fact]
    public async Task OnlyTheOwnerOrAnAdminRevokesATokenAndBadRequestsChangeNothing()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("ann", Role.Admin).WithUser("bob", Role.Member).WithUser("carol", Role.Member);
        using var ann = app.CreateHttpClient(app.TokenFor("ann"));
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        using var carol = app.CreateHttpClient(app.TokenFor("carol"));
        var (bobs, bobSecret) = await CreateAsync(bob, new { name = "bob's script" });

        Assert.Equal(HttpStatusCode.Forbidden, (await carol.DeleteAsync($"api/tokens/{bobs}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.DeleteAsync($"api/tokens/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.GetAsync("api/tokens?all=true")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("api/tokens", new { name = "x", role = "Admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("api/tokens", new { name = "x", expiresInDays = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("api/tokens", new { name = "  " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("api/tokens", new { name = "x", scope = "all" })).StatusCode);
        Assert.Equal(2, app.Services.GetRequiredService<ApiTokenStore>().ForOwner("bob").Count); // the fixture's and bob's script

        using var script = app.CreateHttpClient(bobSecret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("api/runs")).StatusCode);
        var everyone = await JsonAsync(await ann.GetAsync("api/tokens?all=true"));
        Assert.Contains(everyone.EnumerateArray(), t => t.GetProperty("id").GetGuid() == bobs && t.GetProperty("owner").GetString() == "bob");
        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync($"api/tokens/{bobs}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("api/runs")).StatusCode);
        Assert.Equal("ann", app.Services.GetRequiredService<ApiTokenStore>().Get(bobs)!.RevokedBy);
    }

    [Fact]
    public async Task TheHubTakesATokenAndRefusesNoneOrARevokedOne()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("bob", Role.Viewer);
        var secret = app.TokenFor("bob");
        var hub = new Uri(app.BaseAddress, TrainingHub.Path.TrimStart('/'));

        await using (var connection = new HubConnectionBuilder().WithUrl(hub, o => o.AccessTokenProvider = () => Task.FromResult<string?>(secret)).Build())
        {
            var deleted = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.On<JsonElement>("RunDeleted", e => deleted.TrySetResult(e.GetProperty("runId").GetGuid()));
            await connection.StartAsync();
            Assert.Equal(HubConnectionState.Connected, connection.State);
            var id = Guid.NewGuid();
            app.Notifier.Publish(new RunDeleted(id));
            Assert.Equal(id, await deleted.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        await using (var anonymous = new HubConnectionBuilder().WithUrl(hub).Build())
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var store = app.Services.GetRequiredService<ApiTokenStore>();
        Assert.True(store.Revoke(store.ForOwner("bob").Single().Id, "bob"));
        await using (var revoked = new HubConnectionBuilder().WithUrl(hub, o => o.AccessTokenProvider = () => Task.FromResult<string?>(secret)).Build())
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => revoked.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    [Fact]
    public async Task TheAuditApiIsForAdminsAndListsSignInsAndTokenChanges()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("ann", Role.Admin).WithUser("bob", Role.Member);
        using var ann = app.CreateHttpClient(app.TokenFor("ann"));
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        await SignInOverHttpAsync(app, "bob", "wrong password!");
        await SignInOverHttpAsync(app, "bob", Accounts.Password);
        var (id, _) = await CreateAsync(bob, new { name = "ci" });
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"api/tokens/{id}")).StatusCode);

        using var forbidden = await bob.GetAsync("api/audit");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);

        var page = await JsonAsync(await ann.GetAsync("api/audit?actor=bob"));
        Assert.Equal(4, page.GetProperty("total").GetInt32());
        Assert.Equal([AuditActions.TokenRevoke, AuditActions.TokenCreate, AuditActions.SignIn, AuditActions.SignInFailed],
            page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.Equal("127.0.0.1", page.GetProperty("items")[2].GetProperty("address").GetString());

        var signIns = await JsonAsync(await ann.GetAsync($"api/audit?action={AuditActions.SignIn}&take=1"));
        Assert.Equal("bob", Assert.Single(signIns.GetProperty("items").EnumerateArray()).GetProperty("actor").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.GetAsync("api/audit?take=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ann.GetAsync("api/audit?skip=-1")).StatusCode);
        using var unknown = await ann.GetAsync("api/audit?action=run.explode");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("token.create", (await JsonAsync(unknown)).GetProperty("detail").GetString());
    }

    /// <summary>The sign-in form as a browser posts it (the antiforgery token from the page, the form's handler name).</summary>
    private static async Task SignInOverHttpAsync(DashboardApp app, string name, string password)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = app.BaseAddress };
        var form = await client.GetStringAsync("signin");
        var antiforgery = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(antiforgery);
        using var response = await client.PostAsync("signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["__RequestVerificationToken"] = antiforgery,
            ["Input.Name"] = name,
            ["Input.Password"] = password,
        }));
        var expected = password == Accounts.Password ? HttpStatusCode.Redirect : HttpStatusCode.Unauthorized;
        Assert.True(response.StatusCode == expected, $"sign-in of {name}: {(int)response.StatusCode}");
    }
}
