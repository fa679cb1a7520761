using Microsoft.Playwright;

namespace Dashboard.Tests.EndToEnd;

internal static class PageExtensions
{
    /// <summary>
    /// Opens a page and waits for its Blazor circuit: until then the page is prerendered HTML whose
    /// buttons do nothing. MainLayout marks itself data-interactive="true" once interactive.
    /// </summary>
    public static async Task GotoInteractiveAsync(this IPage page, Uri url)
    {
        await page.GotoAsync(url.ToString());
        await page.Locator("[data-interactive=true]").WaitForAsync();
    }
}
