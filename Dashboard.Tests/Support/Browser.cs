using Microsoft.Playwright;

namespace Dashboard.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright without `playwright install`. One browser per test
/// class (IClassFixture); each test opens its own context.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Instance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"The browser tests need Debian's Chromium at {ChromiumPath}: apt-get install chromium (never `playwright install`).");
        _playwright = await Playwright.CreateAsync();
        Instance = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A new page in a fresh context, 1400×900, with console errors collected.</summary>
    public async Task<(IPage Page, List<string> ConsoleErrors)> NewPageAsync()
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") lock (errors) errors.Add(message.Text); };
        page.PageError += (_, error) => { lock (errors) errors.Add(error); };
        return (page, errors);
    }

    /// <summary>
    /// Waits until the page's path and query match <paramref name="pattern"/> (a JavaScript regular expression).
    /// Blazor navigates inside the document, which fires no load event, so Playwright's WaitForURL
    /// (which waits for one) proved flaky here.
    /// </summary>
    public static Task WaitForPathAsync(IPage page, string pattern, float timeout = 60_000) =>
        page.WaitForFunctionAsync("pattern => new RegExp(pattern).test(location.pathname + location.search)", pattern,
            new PageWaitForFunctionOptions { Timeout = timeout });

    /// <summary>Saves a screenshot under the test output folder (artifacts for a person to look at).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (Instance is not null) await Instance.DisposeAsync();
        _playwright?.Dispose();
    }
}
