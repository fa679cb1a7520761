using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

// Declared in the DI namespace so that the app's composition needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Users, tokens and who may do what, on ASP.NET Core's authentication and authorization. Every request is
/// authenticated by one scheme chosen per request: Local mode's (everyone is <see cref="Actor.Local"/>),
/// a Bearer token, or the sign-in cookie. The fallback policy then needs a signed-in user everywhere
/// that does not say otherwise (the sign-in page, static files, error pages).
/// </summary>
public static class AccountsExtensions
{
    public const string SignInPath = "/signin", SignOutPath = "/signout";

    public static IServiceCollection AddDashboardAccounts(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UserStore>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<ApiTokenStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<TokenActions>();
        services.AddSingleton<UserAdministration>();

        services.AddAuthentication(DashboardSchemes.Default)
            .AddPolicyScheme(DashboardSchemes.Default, "Local, token or cookie", o => o.ForwardDefaultSelector = SchemeFor)
            .AddScheme<AuthenticationSchemeOptions, LocalAuthenticationHandler>(DashboardSchemes.Local, null)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(DashboardSchemes.Token, null)
            .AddCookie(DashboardSchemes.Cookie);
        services.AddOptions<CookieAuthenticationOptions>(DashboardSchemes.Cookie).Configure<IOptions<AccessOptions>>(ConfigureCookie);

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.View, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.Launch, p => p.RequireRole(nameof(Role.Member), nameof(Role.Admin)))
            .AddPolicy(Policies.Admin, p => p.RequireRole(nameof(Role.Admin)));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        return services;
    }

    private static string SchemeFor(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<AccessOptions>>().Value.Mode == AccessMode.Local ? DashboardSchemes.Local
        : TokenAuthenticationHandler.TokenOf(context.Request) is not null ? DashboardSchemes.Token
        : DashboardSchemes.Cookie;

    private static void ConfigureCookie(CookieAuthenticationOptions o, IOptions<AccessOptions> access)
    {
        o.Cookie.Name = "dashboard.auth";
        o.Cookie.HttpOnly = true;
        // Lax, not Strict: a link to a run from chat or e-mail opens it signed in. Cross-site changes are refused by SameOriginGuard.
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = TimeSpan.FromMinutes(access.Value.SessionMinutes);
        o.SlidingExpiration = true;
        o.LoginPath = SignInPath;
        o.AccessDeniedPath = "/forbidden";
        o.Events.OnValidatePrincipal = ValidateSessionAsync;
        o.Events.OnRedirectToLogin = c => ApiAnswerOrRedirect(c, StatusCodes.Status401Unauthorized, "Sign in, or send an API token as 'Authorization: Bearer <token>'.");
        o.Events.OnRedirectToAccessDenied = c => ApiAnswerOrRedirect(c, StatusCodes.Status403Forbidden, "Your role does not allow this.");
    }

    // A session ends when its user is disabled or removed, or the password or role changed (the stamp differs).
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var accounts = context.HttpContext.RequestServices.GetRequiredService<AccountService>();
        var name = context.Principal?.Identity?.Name;
        if (name is not null && accounts.Current(name, context.Principal!.FindFirst(DashboardSchemes.StampClaim)?.Value) is not null) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(DashboardSchemes.Cookie);
    }

    private static Task ApiAnswerOrRedirect(RedirectContext<CookieAuthenticationOptions> context, int status, string detail)
    {
        var path = context.Request.Path;
        if (!(path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/openapi")))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }
        context.Response.StatusCode = status;
        return Results.Problem(detail, statusCode: status, title: status == 401 ? "Not signed in" : "Not allowed").ExecuteAsync(context.HttpContext);
    }

    /// <summary>The principal a cookie session carries for <paramref name="user"/>.</summary>
    public static System.Security.Claims.ClaimsPrincipal SessionFor(UserAccount user) =>
        DashboardSchemes.Principal(user.Name, user.Role, DashboardSchemes.Cookie, new System.Security.Claims.Claim(DashboardSchemes.StampClaim, user.SecurityStamp));

    /// <summary>Authentication and authorization, after the security guards and before anything that needs a user.</summary>
    public static IApplicationBuilder UseDashboardAccounts(this IApplicationBuilder app) =>
        app.UseAuthentication().UseAuthorization();

    /// <summary>POST /signout (a form with the antiforgery token, from the app bar).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(SignOutPath, async (HttpContext http, AuditLog audit, [FromForm] string? returnUrl) =>
        {
            if (http.User.Identity?.Name is { } name && http.User.Identity.AuthenticationType == DashboardSchemes.Cookie)
                audit.Record(name, AuditActions.SignOut, address: http.Connection.RemoteIpAddress?.ToString());
            await http.SignOutAsync(DashboardSchemes.Cookie);
            return Results.LocalRedirect(SignInPath);
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
