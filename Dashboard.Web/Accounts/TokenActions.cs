using Dashboard.Web.Audit;
using Dashboard.Web.Security;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Accounts;

public enum TokenRevocation { Revoked, NotFound, Forbidden }

/// <summary>
/// Who may make and revoke which tokens, for the Tokens page and the API alike: a token does at most what its
/// maker may do now, anyone revokes their own, an admin anyone's; each change is audited.
/// </summary>
public sealed class TokenActions(ApiTokenStore tokens, AccountService accounts, AuditLog audit, IOptions<AccessOptions> access, TimeProvider clock)
{
    public const int MaxExpiryDays = 3650;
    public const string NotNeeded = "API tokens exist only in Accounts mode (Access:Mode = Accounts); in Local mode requests from this machine need none.";

    /// <summary>False in Local mode: there every request is allowed without a token, so none is made.</summary>
    public bool Needed => access.Value.Mode == AccessMode.Accounts;

    public IReadOnlyList<ApiToken> Own(Actor actor) => tokens.ForOwner(actor.Name);

    /// <summary>Every user's tokens, for an admin; null for anyone else.</summary>
    public IReadOnlyList<ApiToken>? Everyone(Actor actor) => actor.IsAdmin ? tokens.All() : null;

    /// <summary>Makes a token for <paramref name="actor"/>; the error says why not (nothing is stored then).</summary>
    public (CreatedToken? Created, string? Error) Create(Actor actor, string? name, Role? role, int? expiresInDays, string? address = null)
    {
        if (!Needed) return (null, NotNeeded);
        // The role stored now, not the one the session was opened with: a demoted user's page may still be open.
        if (accounts.Current(actor.Name) is not { } user) return (null, "Your account is disabled or removed.");
        var most = (Role)Math.Min((int)actor.Role, (int)user.Role);
        var limit = role ?? most;
        if (!Enum.IsDefined(limit)) return (null, $"Unknown role {limit}: Viewer, Member or Admin.");
        if (limit > most) return (null, $"A token can do at most what you can: {most}.");
        if (expiresInDays is < 1 or > MaxExpiryDays)
            return (null, $"A token expires after 1 to {MaxExpiryDays} days, or never (leave the days empty).");
        var expires = expiresInDays is { } days ? clock.GetUtcNow().UtcDateTime.AddDays(days) : (DateTime?)null;
        var (created, error) = tokens.Create(user.Name, name ?? "", limit, expires);
        if (created is { Token: var t })
            audit.Record(actor, AuditActions.TokenCreate, t.Name, $"{t.Prefix}…, role {t.Role}, {(t.ExpiresUtc is { } e ? $"expires {e:yyyy-MM-dd}" : "no expiry")}", address);
        return (created, error);
    }

    public static bool MayRevoke(Actor actor, ApiToken token) =>
        actor.IsAdmin || string.Equals(token.Owner, actor.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Revokes a token (again is no change); it is refused from the next request on.</summary>
    public TokenRevocation Revoke(Actor actor, Guid id, string? address = null)
    {
        if (tokens.Get(id) is not { } token) return TokenRevocation.NotFound;
        if (!MayRevoke(actor, token)) return TokenRevocation.Forbidden;
        if (token.Revoked) return TokenRevocation.Revoked;
        tokens.Revoke(id, actor.Name);
        audit.Record(actor, AuditActions.TokenRevoke, token.Name, $"{token.Prefix}… of {token.Owner}", address);
        return TokenRevocation.Revoked;
    }
}
