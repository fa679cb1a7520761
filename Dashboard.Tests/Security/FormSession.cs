using System.Net;
using System.Text.RegularExpressions;

namespace Dashboard.Tests.Security;

/// <summary>
/// A browser session without a browser: an HttpClient that keeps cookies, does not follow redirects, and
/// posts the sign-in and sign-out forms with their antiforgery tokens, as the pages do.
/// </summary>
public sealed partial class FormSession : IDisposable
{
    public FormSession(Uri baseAddress, HttpClientHandler? handler = null)
    {
        handler ??= new HttpClientHandler();
        handler.AllowAutoRedirect = false;
        handler.CookieContainer = Cookies;
        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(1) };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    /// <summary>The antiforgery token the sign-in page issues to this session (it depends on who is signed in).</summary>
    public async Task<string> AntiforgeryTokenAsync()
    {
        using var page = await Http.GetAsync("signin");
        var html = await page.Content.ReadAsStringAsync();
        var match = TokenField().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException($"GET /signin ({(int)page.StatusCode}) has no antiforgery field: {html[..Math.Min(html.Length, 400)]}");
    }

    /// <summary>Posts the sign-in form as the page does (the query string, with ReturnUrl, stays on the form's URL).</summary>
    public async Task<HttpResponseMessage> SignInAsync(string name, string password, string? returnUrl = null, Action<HttpRequestMessage>? alter = null)
    {
        var token = await AntiforgeryTokenAsync();
        var url = returnUrl is null ? "signin" : $"signin?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = token,
                ["Input.Name"] = name,
                ["Input.Password"] = password,
            }),
        };
        alter?.Invoke(request);
        return await Http.SendAsync(request);
    }

    /// <summary>Posts the sign-out form (POST /signout with this session's antiforgery token).</summary>
    public async Task<HttpResponseMessage> SignOutAsync()
    {
        var token = await AntiforgeryTokenAsync();
        return await Http.PostAsync("signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }

    /// <summary>The Set-Cookie header that carries the session cookie, or null.</summary>
    public static string? SessionCookieOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.FirstOrDefault(v => v.StartsWith("dashboard.auth=", StringComparison.Ordinal)) : null;

    public void Dispose() => Http.Dispose();
}
