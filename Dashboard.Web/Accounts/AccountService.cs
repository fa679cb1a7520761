using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Accounts;

/// <summary>The outcome of a sign-in attempt. <see cref="User"/> is set only on success.</summary>
public sealed record SignInOutcome(UserAccount? User, string? Error, DateTime? LockedUntilUtc = null)
{
    public bool Succeeded => User is not null;
}

public enum UserStatus { Active, Locked, Disabled }

/// <summary>
/// Users: adding them, checking passwords (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>) with
/// lockout after <see cref="AccessOptions.MaxFailedSignIns"/> failures, and changing roles, passwords and access.
/// </summary>
public sealed partial class AccountService(UserStore users, IOptions<AccessOptions> options, TimeProvider clock)
{
    public const int MinPasswordLength = 10, MaxPasswordLength = 256, MaxNameLength = 64;
    private static readonly PasswordHasher<UserAccount> Hasher = new();
    // Role and access changes check "is this the last enabled admin?" and change in one step.
    private readonly Lock _adminChange = new();
    // Hashed against when the name is unknown, so a wrong name takes as long as a wrong password.
    private static readonly string DecoyHash = Hasher.HashPassword(new UserAccount(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]*$")]
    private static partial Regex NamePattern();

    /// <summary>Why <paramref name="name"/> cannot name a user, or null.</summary>
    public static string? NameError(string? name) => name switch
    {
        null or "" => "A user name is required.",
        { Length: > MaxNameLength } => $"A user name has at most {MaxNameLength} characters.",
        _ when !NamePattern().IsMatch(name) => "A user name starts with a letter or digit and has only letters, digits and . _ @ -.",
        _ when string.Equals(name, Actor.LocalName, StringComparison.OrdinalIgnoreCase) => $"“{Actor.LocalName}” is the name of Local mode's user; pick another.",
        _ => null,
    };

    /// <summary>Why <paramref name="password"/> cannot be a password, or null.</summary>
    public static string? PasswordError(string? password) => password switch
    {
        null or { Length: < MinPasswordLength } => $"A password has at least {MinPasswordLength} characters.",
        { Length: > MaxPasswordLength } => $"A password has at most {MaxPasswordLength} characters.",
        _ => null,
    };

    /// <summary>Adds a user; the error says why not (nothing is stored then).</summary>
    public string? Add(string name, Role role, string password)
    {
        if ((NameError(name) ?? PasswordError(password)) is { } error) return error;
        if (!Enum.IsDefined(role)) return $"Unknown role {role}.";
        var user = new UserAccount { Id = Guid.NewGuid(), Name = name, Role = role, SecurityStamp = NewStamp(), CreatedUtc = clock.GetUtcNow().UtcDateTime };
        user = user with { PasswordHash = Hasher.HashPassword(user, password) };
        return users.TryAdd(user) ? null : $"A user named “{name}” already exists.";
    }

    /// <summary>Checks a name and password, counting failures and locking the account after too many.</summary>
    public SignInOutcome SignIn(string? name, string? password)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var user = string.IsNullOrEmpty(name) ? null : users.Find(name);
        if (user is null || string.IsNullOrEmpty(password))
        {
            Hasher.VerifyHashedPassword(new UserAccount(), DecoyHash, password ?? "");
            return new SignInOutcome(null, "Wrong user name or password.");
        }
        if (user.LockedUntilUtc is { } until && until > now)
            return new SignInOutcome(null, LockedMessage(until), until);
        var verdict = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var failures = user.FailedSignIns + 1;
            var lockout = failures >= options.Value.MaxFailedSignIns ? now.AddMinutes(options.Value.LockoutMinutes) : (DateTime?)null;
            users.Update(user.Name, u => u with { FailedSignIns = lockout is null ? failures : 0, LockedUntilUtc = lockout ?? u.LockedUntilUtc });
            return lockout is { } locked ? new SignInOutcome(null, LockedMessage(locked), locked) : new SignInOutcome(null, "Wrong user name or password.");
        }
        if (user.Disabled) return new SignInOutcome(null, "This account is disabled; ask an administrator.");
        var signedIn = users.Update(user.Name, u => u with
        {
            FailedSignIns = 0,
            LockedUntilUtc = null,
            LastSignInUtc = now,
            // An old hash format (or iteration count) is replaced on the next good sign-in.
            PasswordHash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(u, password) : u.PasswordHash,
        });
        return new SignInOutcome(signedIn, null);
    }

    private static string LockedMessage(DateTime until) =>
        $"Too many failed sign-ins: this account is locked until {until:HH:mm} UTC.";

    /// <summary>The user a session or token stands for now: null when removed or disabled, or when the stamp changed.</summary>
    public UserAccount? Current(string name, string? stamp = null) =>
        users.Find(name) is { Disabled: false } user && (stamp is null || user.SecurityStamp == stamp) ? user : null;

    public IReadOnlyList<UserAccount> List() => users.List();

    public bool AnyUsers() => users.Count() > 0;

    public string? SetRole(string name, Role role)
    {
        if (!Enum.IsDefined(role)) return $"Unknown role {role}.";
        lock (_adminChange)
        {
            if (users.Find(name) is not { } user) return NoSuchUser(name);
            if (LastAdminError(user, role, user.Disabled) is { } error) return error;
            return users.Update(name, u => u with { Role = role, SecurityStamp = NewStamp() }) is null ? NoSuchUser(name) : null;
        }
    }

    public string? SetPassword(string name, string password) =>
        PasswordError(password) ?? (users.Update(name, u => u with
        {
            PasswordHash = Hasher.HashPassword(u, password),
            SecurityStamp = NewStamp(),
            FailedSignIns = 0,
            LockedUntilUtc = null,
        }) is null ? NoSuchUser(name) : null);

    /// <summary>Disables or enables a user; a disabled user's sessions and tokens stop working at once.</summary>
    public string? SetDisabled(string name, bool disabled)
    {
        lock (_adminChange)
        {
            if (users.Find(name) is not { } user) return NoSuchUser(name);
            if (LastAdminError(user, user.Role, disabled) is { } error) return error;
            return users.Update(name, u => u with { Disabled = disabled, SecurityStamp = NewStamp(), FailedSignIns = 0, LockedUntilUtc = null }) is null ? NoSuchUser(name) : null;
        }
    }

    /// <summary>Ends a lockout now, instead of when it runs out.</summary>
    public string? Unlock(string name) =>
        users.Update(name, u => u with { FailedSignIns = 0, LockedUntilUtc = null }) is null ? NoSuchUser(name) : null;

    /// <summary>Whether the user may sign in now: disabled first (a lockout does not matter then), then locked out.</summary>
    public UserStatus StatusOf(UserAccount user) =>
        user.Disabled ? UserStatus.Disabled
        : user.LockedUntilUtc is { } until && until > clock.GetUtcNow().UtcDateTime ? UserStatus.Locked
        : UserStatus.Active;

    // Without an enabled admin nobody could manage users from the dashboard (only from its machine's command line).
    private string? LastAdminError(UserAccount user, Role role, bool disabled) =>
        user is { Role: Role.Admin, Disabled: false } && (role != Role.Admin || disabled)
        && users.List().Count(u => u is { Role: Role.Admin, Disabled: false }) == 1
            ? $"{user.Name} is the last enabled admin: make another user an admin first, or nobody could manage users and tokens."
            : null;

    private static string NoSuchUser(string name) => $"There is no user named “{name}”.";

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}
