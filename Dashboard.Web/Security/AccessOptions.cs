using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Security;

/// <summary>Who may use the dashboard. Bound from the section <c>Access</c>.</summary>
public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Access";

    /// <summary>
    /// <see cref="AccessMode.Local"/>: no sign-in, so the dashboard only listens on loopback
    /// (<see cref="LoopbackGuard"/> stops it otherwise). <see cref="AccessMode.Accounts"/>: every request needs a user.
    /// </summary>
    public AccessMode Mode { get; set; } = AccessMode.Local;

    /// <summary>Failed sign-ins in a row after which an account is locked for <see cref="LockoutMinutes"/>.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 24 * 60)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>How long a browser stays signed in without using the dashboard (the cookie slides while it is used).</summary>
    [Range(5, 30 * 24 * 60)]
    public int SessionMinutes { get; set; } = 12 * 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Mode))
            yield return new ValidationResult($"Access:Mode must be one of {string.Join(", ", Enum.GetNames<AccessMode>())}.", [nameof(Mode)]);
    }
}

public enum AccessMode
{
    /// <summary>No sign-in; loopback only.</summary>
    Local,
    /// <summary>Users, roles and API tokens stored in the dashboard's database; every request signed in.</summary>
    Accounts,
}
