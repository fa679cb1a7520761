namespace Dashboard.Web.Security;

/// <summary>
/// Refuses requests that a browser sends on behalf of another site: state changes (any method but
/// GET, HEAD, OPTIONS) and the SignalR and Blazor handshakes, when their Origin is not this server's or the
/// browser marks them cross-site. Scripts that send no Origin (curl, HttpClient) are not browsers and pass.
/// Body-less POSTs (cancel, resume) and form posts need no CORS preflight, so without this any page
/// the user visits could send them to the dashboard on loopback.
/// </summary>
public sealed class SameOriginGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (Guarded(context.Request) && Refusal(context.Request) is { } reason)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(reason, statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request refused").ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private static bool Guarded(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        || request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/_blazor");

    private static string? Refusal(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site")
            return $"This request came from another site ({site}); the dashboard accepts changes only from its own pages.";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"This request came from the origin {origin}, not {own}; the dashboard accepts changes only from its own pages.";
    }
}
