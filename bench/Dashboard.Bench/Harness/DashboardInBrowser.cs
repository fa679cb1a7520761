using System.Diagnostics;
using Microsoft.Playwright;

namespace Dashboard.Bench.Harness;

/// <summary>
/// The dashboard as its own process on a free port, an HttpClient to it and a headless Debian Chromium to look at it:
/// what the benchmarks that time a browser share. Disposing closes the browser and kills the dashboard.
/// </summary>
internal sealed class DashboardInBrowser(Process web, string baseUrl, HttpClient http, IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    private bool _disposed;

    /// <summary>Where the dashboard listens, ending in a slash.</summary>
    public string BaseUrl { get; } = baseUrl;

    public HttpClient Http { get; } = http;

    public IBrowser Browser { get; } = browser;

    /// <summary>Starts the dashboard on <paramref name="databasePath"/>, waits until it answers, then launches Chromium.</summary>
    public static async Task<DashboardInBrowser> StartAsync(string databasePath)
    {
        var port = RunsPageBench.FreePort();
        var web = RunsPageBench.StartDashboard(databasePath, port);
        var baseUrl = $"http://127.0.0.1:{port}/";
        var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        try
        {
            await RunsPageBench.WaitUntilUpAsync(http);
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            return new DashboardInBrowser(web, baseUrl, http, playwright, browser);
        }
        catch
        {
            http.Dispose();
            Stop(web);
            throw;
        }
    }

    /// <summary>Closes the browser and kills the dashboard; again, it does nothing (a benchmark may stop it before deleting its folder).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await Browser.DisposeAsync();
        playwright.Dispose();
        Http.Dispose();
        Stop(web);
    }

    private static void Stop(Process web)
    {
        if (!web.HasExited) web.Kill(entireProcessTree: true);
        web.Dispose();
    }
}
