using System.Security.Cryptography;

namespace Dashboard.Web.Security;

/// <summary>
/// Headers that keep the pages from being framed, sniffed or made to run foreign script. The only
/// inline script is Blazor's import map, which carries this request's nonce (<see cref="NonceOf"/>);
/// inline styles stay allowed because MudBlazor and ApexCharts set style attributes and elements.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    private const string NonceKey = "csp-nonce";

    /// <summary>The nonce of this response's Content-Security-Policy, for the page's inline script.</summary>
    public static string? NonceOf(HttpContext? context) => context?.Items[NonceKey] as string;

    public Task InvokeAsync(HttpContext context)
    {
        // Hex, not base64: "+" and "/" would reach the page HTML-encoded, which the browser decodes but a reader comparing text would not.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        return next(context);
    }
}
