using System.Security.Claims;

namespace Dashboard.Web.Accounts;

/// <summary>What a user may do. Each role may do everything the one before it may.</summary>
public enum Role
{
    /// <summary>Sees every run, study and chart, and uses Sketch.</summary>
    Viewer,
    /// <summary>Also launches runs, studies and ensembles, and changes (cancels, resumes, deletes, tags, notes) their own.</summary>
    Member,
    /// <summary>Everything, on anyone's runs; manages users, tokens and reads the audit log.</summary>
    Admin,
}

/// <summary>The authorization policies, one per role, named for what they allow.</summary>
public static class Policies
{
    public const string View = "view", Launch = "launch", Admin = "admin";
}

/// <summary>
/// Who does something: the signed-in user (or token owner) as the rules see them. The one place that
/// says who may change a run or study: <see cref="MayChange"/>.
/// </summary>
public sealed record Actor(string Name, Role Role)
{
    /// <summary>The name runs get when made without a user: in Local mode, and by the dashboard itself.</summary>
    public const string LocalName = "local";

    /// <summary>Local mode's one user: whoever can reach the loopback port, with every right.</summary>
    public static readonly Actor Local = new(LocalName, Role.Admin);

    public bool MayLaunch => Role >= Role.Member;

    public bool IsAdmin => Role == Role.Admin;

    /// <summary>Whether this actor may cancel, resume, delete, tag or annotate something that <paramref name="owner"/> created.</summary>
    public bool MayChange(string? owner) =>
        Role == Role.Admin || (Role == Role.Member && owner is not null && string.Equals(owner, Name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The actor a signed-in principal stands for; a principal without a known role may only view.</summary>
    public static Actor From(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "";
        var role = Enum.TryParse<Role>(user.FindFirstValue(ClaimTypes.Role), out var parsed) ? parsed : Role.Viewer;
        return new Actor(name, role);
    }
}
