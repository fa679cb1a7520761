namespace Dashboard.Web.Accounts;

/// <summary>A user as stored in the "users" collection of the dashboard's database.</summary>
public sealed record UserAccount
{
    public Guid Id { get; init; }
    /// <summary>Unique without regard to case; runs and the audit log name their users by it, so it never changes.</summary>
    public string Name { get; init; } = "";
    /// <summary><see cref="Name"/> in lower case: the unique index, whatever collation the database file has.</summary>
    public string NameKey { get; init; } = "";
    public Role Role { get; init; }
    /// <summary>ASP.NET Core Identity's PasswordHasher format (PBKDF2 with a salt, the iteration count inside).</summary>
    public string PasswordHash { get; init; } = "";
    /// <summary>Changes when the password, role or access changes: cookies issued before then stop working.</summary>
    public string SecurityStamp { get; init; } = "";
    public bool Disabled { get; init; }
    public int FailedSignIns { get; init; }
    public DateTime? LockedUntilUtc { get; init; }
    public DateTime CreatedUtc { get; init; }
    public DateTime? LastSignInUtc { get; init; }
}
