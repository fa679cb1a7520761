using Dashboard.Web.Audit;
using Dashboard.Web.Security;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Accounts;

/// <summary>
/// The Users page's changes: only an admin (as stored now) makes them, and each one that happens is audited.
/// The rules on names, passwords and the last admin are <see cref="AccountService"/>'s.
/// </summary>
public sealed class UserAdministration(AccountService accounts, AuditLog audit, IOptions<AccessOptions> access)
{
    public IReadOnlyList<UserAccount> List() => accounts.List();

    public UserStatus StatusOf(UserAccount user) => accounts.StatusOf(user);

    public string? Add(Actor actor, string? name, Role role, string? password) =>
        Change(actor, AuditActions.UserAdd, name, () => accounts.Add(name ?? "", role, password ?? ""), $"as {role}");

    public string? SetRole(Actor actor, string name, Role role) =>
        Change(actor, AuditActions.UserRole, name, () => accounts.SetRole(name, role), $"now {role}");

    public string? ResetPassword(Actor actor, string name, string? password) =>
        Change(actor, AuditActions.UserPassword, name, () => accounts.SetPassword(name, password ?? ""), "reset; their sessions ended");

    public string? SetDisabled(Actor actor, string name, bool disabled) =>
        Change(actor, disabled ? AuditActions.UserDisable : AuditActions.UserEnable, name, () => accounts.SetDisabled(name, disabled));

    public string? Unlock(Actor actor, string name) =>
        Change(actor, AuditActions.UserUnlock, name, () => accounts.Unlock(name));

    private string? Change(Actor actor, string action, string? target, Func<string?> change, string? detail = null)
    {
        if (!IsAdminNow(actor)) return "Only an admin manages users.";
        if (change() is { } error) return error;
        audit.Record(actor, action, target ?? "", detail);
        return null;
    }

    // A page stays open after its user is demoted or disabled (until the next revalidation): ask the store.
    private bool IsAdminNow(Actor actor) =>
        actor.IsAdmin && (access.Value.Mode == AccessMode.Local || accounts.Current(actor.Name) is { Role: Role.Admin });
}
