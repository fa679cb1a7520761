using Dashboard.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Accounts;

/// <summary>
/// An open page (a Blazor circuit) outlives the request that opened it: every minute it checks that its user
/// is still enabled with the same password and role, and loses its access otherwise.
/// </summary>
public sealed class SessionRevalidation(ILoggerFactory loggerFactory, AccountService accounts, IOptions<AccessOptions> access)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        if (access.Value.Mode == AccessMode.Local) return Task.FromResult(true);
        var user = state.User;
        if (user.Identity?.Name is not { } name) return Task.FromResult(false);
        var stamp = user.FindFirst(DashboardSchemes.StampClaim)?.Value;
        // A token-authenticated circuit has no stamp; its owner must still be enabled.
        return Task.FromResult(accounts.Current(name, stamp) is not null);
    }
}
