using System.Globalization;
using System.Net;
using System.Text;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Security;

/// <summary>
/// Accounts mode, someone without a session or token: every endpoint the app maps (read from its own
/// <see cref="EndpointDataSource"/>, so a new one is covered without editing this test) refuses them,
/// except the few listed in <see cref="OpenPages"/> and the static assets.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class AnonymousAccessTests
{
    /// <summary>
    /// The endpoints anyone may reach, on purpose. A new [AllowAnonymous] endpoint fails
    /// <see cref="EveryEndpointRefusesAnAnonymousCaller"/> until it is added here (and to docs/security.md).
    /// </summary>
    private static readonly HashSet<string> OpenPages = ["/signin", "/signout", "/not-found", "/Error"];

    // Prefixes answered with 401 problem details instead of a redirect (AccountsExtensions.ApiAnswerOrRedirect).
    private static readonly string[] ApiPrefixes = ["/api", "/hubs", "/_blazor", "/openapi"];

    [Fact]
    public async Task EveryEndpointRefusesAnAnonymousCaller()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        using var client = NoRedirectClient(app.BaseAddress);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        var unexpectedlyOpen = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null && !IsStaticAsset(e) && !OpenPages.Contains(PathOf(e)))
            .Select(e => e.RoutePattern.RawText).ToList();
        Assert.True(unexpectedlyOpen.Count == 0, $"Endpoints open to anyone that are not listed as open: {string.Join(", ", unexpectedlyOpen)}");

        var guarded = endpoints.Where(e => !IsStaticAsset(e) && !OpenPages.Contains(PathOf(e))).ToList();
        Assert.True(guarded.Count > 40, $"Expected the app's API, hub and page endpoints, found only {guarded.Count}.");
        Assert.Contains(guarded, e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null);

        var failures = new List<string>();
        foreach (var endpoint in guarded)
        {
            var path = Fill(endpoint.RoutePattern);
            foreach (var method in MethodsOf(endpoint))
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
                if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                using var response = await client.SendAsync(request);
                if (await RefusalProblemAsync(response, path) is { } problem) failures.Add($"{method} {path} ({endpoint.RoutePattern.RawText}): {problem}");
            }
        }
        Assert.True(failures.Count == 0, "Anonymous requests that were not refused as expected:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task TheOpenPagesAndStaticAssetsAreServedToAnyone()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        using var client = NoRedirectClient(app.BaseAddress);

        foreach (var path in new[] { "signin", "not-found", "Error", "app.css", "_framework/blazor.web.js", "favicon.svg" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /{path} answered {(int)response.StatusCode}, expected 200 to anyone.");
        }
        // An address that matches nothing says nothing to a stranger either: it goes to sign-in, not to a 404.
        using var unknown = await client.GetAsync("no-such-page");
        Assert.Null(await RefusalProblemAsync(unknown, "/no-such-page"));
    }

    [Fact]
    public async Task TheHubRefusesAnAnonymousNegotiation()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        using var client = NoRedirectClient(app.BaseAddress);

        using var response = await client.PostAsync("hubs/training/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheOpenApiDocumentNeedsASignedInCaller()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("vera", Role.Viewer);
        using var anonymous = NoRedirectClient(app.BaseAddress);
        using var withToken = app.CreateHttpClient(app.TokenFor("vera", Role.Viewer));
        using var session = new FormSession(app.BaseAddress);

        using var refused = await anonymous.GetAsync("openapi/v1.json");
        using var byToken = await withToken.GetAsync("openapi/v1.json");
        (await session.SignInAsync("vera", Accounts.Password)).Dispose();
        using var byCookie = await session.Http.GetAsync("openapi/v1.json");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
        Assert.Contains("\"/api/runs\"", await byToken.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, byCookie.StatusCode);
    }

    [Fact]
    public async Task LocalModeServesTheOpenApiDocumentAndThePagesWithoutSignIn()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        using var client = NoRedirectClient(app.BaseAddress);

        using var openApi = await client.GetAsync("openapi/v1.json");
        using var runs = await client.GetAsync("runs");
        using var signIn = await client.GetAsync("signin");

        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
        Assert.Contains("Fashion-MNIST Dashboard", await runs.Content.ReadAsStringAsync());
        // Local mode has nothing to sign in to: the sign-in page sends the browser to the dashboard.
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(app.BaseAddress, new Uri(app.BaseAddress, signIn.Headers.Location!));
    }

    /// <summary>Why <paramref name="response"/> is not the refusal an anonymous caller should get at <paramref name="path"/>, or null.</summary>
    private static async Task<string?> RefusalProblemAsync(HttpResponseMessage response, string path)
    {
        var status = (int)response.StatusCode;
        if (ApiPrefixes.Any(p => path.StartsWith(p + "/", StringComparison.Ordinal) || path == p))
        {
            var type = response.Content.Headers.ContentType?.MediaType;
            return status == 401 && type == "application/problem+json" ? null : $"answered {status} {type}, expected 401 problem details";
        }
        var location = response.Headers.Location?.OriginalString ?? "";
        var expected = "/signin?ReturnUrl=" + Uri.EscapeDataString(path);
        return status == 302 && location.EndsWith(expected, StringComparison.Ordinal) ? null : $"answered {status} to {location}, expected 302 to {expected}";
    }

    private static bool IsStaticAsset(Endpoint endpoint) => endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null;

    private static string PathOf(RouteEndpoint endpoint) => "/" + endpoint.RoutePattern.RawText?.TrimStart('/');

    // SignalR and Blazor's hub endpoints declare no methods: they answer GET (WebSockets, SSE) and POST (negotiate, long polling).
    private static IEnumerable<string> MethodsOf(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Where(m => m != "HEAD") is { } methods && methods.Any() ? methods : ["GET", "POST"];

    /// <summary>A path that the pattern matches, with a value of the right kind for each parameter.</summary>
    private static string Fill(RoutePattern pattern)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter => ValueFor(parameter, pattern),
                    _ => throw new InvalidOperationException($"Unknown route part {part} in {pattern.RawText}."),
                });
            }
        }
        return path.Length == 0 ? "/" : path.ToString();
    }

    private static string ValueFor(RoutePatternParameterPart parameter, RoutePattern pattern)
    {
        var constraints = pattern.ParameterPolicies.TryGetValue(parameter.Name, out var policies)
            ? policies.Select(p => p.Content).ToList() : [];
        if (constraints.Contains("int")) return Random.Shared.Next(0, 1000).ToString(CultureInfo.InvariantCulture);
        if (constraints.Contains("file")) return $"private-{Guid.NewGuid():N}.txt";
        return Guid.NewGuid().ToString();
    }

    private static HttpClient NoRedirectClient(Uri baseAddress) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(1) };
}
