using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Security;

/// <summary>Who may use the dashboard. Bound from the section <c>Access</c>.</summary>
public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Access";

    /// <summary>
    /// <see cref="AccessMode.Local"/>: no sign-in, so the dashboard only listens on loopback
    /// (<see cref="LoopbackGuard"/> stops it otherwise).
    /// </summary>
    public AccessMode Mode { get; set; } = AccessMode.Local;

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
}
