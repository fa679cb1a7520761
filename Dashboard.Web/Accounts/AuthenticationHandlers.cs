using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Accounts;

/// <summary>The authentication schemes and the claims every signed-in principal carries.</summary>
public static class DashboardSchemes
{
    /// <summary>Chooses one of the others per request (<see cref="AccountsExtensions"/>).</summary>
    public const string Default = "Dashboard";
    public const string Local = "Local", Cookie = "Cookie", Token = "Token";
    public const string StampClaim = "dashboard:stamp", TokenClaim = "dashboard:token";

    public static ClaimsPrincipal Principal(string name, Role role, string scheme, params Claim[] extra) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role.ToString()), .. extra], scheme));
}

/// <summary>Local mode: whoever reaches the loopback port is <see cref="Actor.Local"/>, with every right.</summary>
public sealed class LocalAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly AuthenticationTicket Ticket =
        new(DashboardSchemes.Principal(Actor.Local.Name, Actor.Local.Role, DashboardSchemes.Local), DashboardSchemes.Local);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.Success(Ticket));
}

/// <summary>
/// Personal API tokens: <c>Authorization: Bearer dsh_…</c>, or <c>access_token=</c> on the hub's URL (browsers
/// cannot set headers on WebSockets). Looked up on every request, so a revoked token is refused at once.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenStore tokens, AccountService accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string QueryName = "access_token";

    /// <summary>The token a request carries, or null when it carries none.</summary>
    public static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        return request.Path.StartsWithSegments("/hubs") && request.Query[QueryName].ToString() is { Length: > 0 } query ? query : null;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenOf(Request) is not { } secret) return Task.FromResult(AuthenticateResult.NoResult());
        if (tokens.Authenticate(secret) is not { } token)
            return Task.FromResult(AuthenticateResult.Fail("The API token is unknown, expired or revoked."));
        if (accounts.Current(token.Owner) is not { } owner)
            return Task.FromResult(AuthenticateResult.Fail($"The token's owner “{token.Owner}” is disabled or removed."));
        var role = (Role)Math.Min((int)token.Role, (int)owner.Role);
        var principal = DashboardSchemes.Principal(owner.Name, role, Scheme.Name, new Claim(DashboardSchemes.TokenClaim, token.Id.ToString()));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(failure ?? "Sign in, or send an API token as 'Authorization: Bearer <token>'.",
            statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem("This token's role does not allow this.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed").ExecuteAsync(Context);
    }
}
