using System.Net;
using System.Text;
using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Security;

/// <summary>What holds in every access mode: host names, origins, headers, and Local mode's loopback rule.</summary>
[Collection(TrainingCollection.Name)]
public sealed class HardeningTests(Browser browser) : IClassFixture<Browser>
{
    private static Run QueuedRun(string name) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Config = TrainingConfig.ReportControl,
        Status = RunStatus.Queued,
        CreatedUtc = DateTime.UtcNow,
    };

    [Fact]
    public async Task ARequestForAnotherHostNameIsRefused()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        using var client = app.CreateHttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/runs");
        request.Headers.Host = "dashboard.attacker.example";
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/runs")).StatusCode);
    }

    [Fact]
    public async Task ACancelFromAnotherOriginIsRefusedAndTheRunIsUntouched()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var run = QueuedRun("victim");
        app.Store.InsertMany([run]);
        using var client = app.CreateHttpClient();

        using var foreign = new HttpRequestMessage(HttpMethod.Post, $"api/runs/{run.Id}/cancel");
        foreign.Headers.Add("Origin", "http://127.0.0.1:1");
        using var refused = await client.SendAsync(foreign);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(RunStatus.Queued, app.Store.Get(run.Id)!.Status);

        using var negotiate = new HttpRequestMessage(HttpMethod.Post, "hubs/training/negotiate?negotiateVersion=1");
        negotiate.Headers.Add("Origin", "http://127.0.0.1:1");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(negotiate)).StatusCode);

        // The same request from a script (no Origin) or from the dashboard's own origin is served.
        using var own = new HttpRequestMessage(HttpMethod.Post, $"api/runs/{run.Id}/cancel");
        own.Headers.Add("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(own)).StatusCode);
        Assert.Equal(RunStatus.Cancelled, app.Store.Get(run.Id)!.Status);
    }

    [Fact]
    public async Task APageOnAnotherLoopbackOriginCannotCancelARun()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var run = QueuedRun("victim");
        app.Store.InsertMany([run]);
        using var attacker = new LoopbackFileServer(new Dictionary<string, byte[]>
        {
            ["attack.html"] = Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>a page on another origin</body></html>"),
        });

        var (page, _) = await browser.NewPageAsync();
        await page.GotoAsync(attacker.BaseUrl + "attack.html");
        // A body-less no-cors POST needs no preflight: the browser sends it, and only the server can refuse it.
        var outcome = await page.EvaluateAsync<string>(
            "url => fetch(url, { method: 'POST', mode: 'no-cors' }).then(() => 'sent', e => 'failed: ' + e)",
            new Uri(app.BaseAddress, $"api/runs/{run.Id}/cancel").ToString());
        await page.Context.CloseAsync();

        Assert.Equal("sent", outcome);
        Assert.Equal(RunStatus.Queued, app.Store.Get(run.Id)!.Status);
    }

    [Fact]
    public async Task PagesCarryAContentSecurityPolicyThatTheirOwnImportMapPasses()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        using var client = app.CreateHttpClient();

        using var response = await client.GetAsync("runs");
        var html = await response.Content.ReadAsStringAsync();

        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        // Every inline script (Blazor's import map) must carry this response's nonce, or the browser refuses it.
        var inline = System.Text.RegularExpressions.Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>").Select(m => m.Value).ToList();
        Assert.All(inline, tag => Assert.Contains($"nonce=\"{nonce}\"", System.Net.WebUtility.HtmlDecode(tag)));
    }

    [Fact]
    public async Task LocalModeRefusesToListenOnEveryInterface()
    {
        using var dir = new TempDirectory();
        await using var factory = new AnyInterfaceApp(dir.Path);

        var error = Record.Exception(factory.StartServer);

        Assert.NotNull(error);
        var messages = string.Join(" | ", Flatten(error));
        Assert.Contains("Access:Mode is Local", messages);
        Assert.Contains("0.0.0.0", messages);
    }

    private static IEnumerable<string> Flatten(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x.Message;
        if (e is AggregateException a) foreach (var inner in a.InnerExceptions) yield return inner.Message;
    }

    [Theory]
    [InlineData("Accounts")]
    [InlineData("Local")]
    public async Task AnyHostNameInAllowedHostsStopsTheStartNamingTheSetting(string mode)
    {
        using var dir = new TempDirectory();
        await using var factory = new UnstartedApp(dir.Path, IPAddress.Loopback, ("Access:Mode", mode), ("AllowedHosts", "*"));

        var error = Record.Exception(factory.StartServer);

        Assert.NotNull(error);
        var messages = string.Join(" | ", Flatten(error));
        Assert.Contains("AllowedHosts is “*”", messages);
        Assert.Contains($"Access:Mode is {mode}", messages);
    }

    /// <summary>
    /// Accounts mode is meant for other machines: a wildcard binding passes the guard. Checked on the guard with the
    /// addresses a server would report, not by listening on every interface of the test machine.
    /// </summary>
    [Fact]
    public async Task AccountsModeMayListenOnEveryInterface()
    {
        var server = new BoundServer("http://0.0.0.0:5000", "http://[::]:5000");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AllowedHosts"] = "dashboard.example.com" }).Build();
        var accounts = new LoopbackGuard(server, Options.Create(new AccessOptions { Mode = AccessMode.Accounts }), configuration);
        var local = new LoopbackGuard(server, Options.Create(new AccessOptions { Mode = AccessMode.Local }), configuration);

        await accounts.StartingAsync(CancellationToken.None);
        await accounts.StartedAsync(CancellationToken.None);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => local.StartedAsync(CancellationToken.None));
        Assert.Contains("0.0.0.0", refused.Message);
    }

    private sealed class BoundServer : IServer
    {
        public BoundServer(params string[] addresses)
        {
            var bound = new ServerAddressesFeature();
            foreach (var address in addresses) bound.Addresses.Add(address);
            Features.Set<IServerAddressesFeature>(bound);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() { }
    }

    private sealed class AnyInterfaceApp(string dir) : UnstartedApp(dir, IPAddress.Any);

    /// <summary>The dashboard on real Kestrel, not started until the test says so (to see how it refuses to start).</summary>
    private class UnstartedApp : WebApplicationFactory<Program>
    {
        private readonly string _dir;
        private readonly (string Key, string Value)[] _settings;

        public UnstartedApp(string dir, IPAddress address, params (string Key, string Value)[] settings)
        {
            _dir = dir;
            _settings = settings;
            UseKestrel(o => o.Listen(address, 0));
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Storage:DatabasePath", Path.Combine(_dir, "dashboard.db"));
            builder.UseSetting("Dataset:AllowDownload", "false");
            foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        }
    }
}
