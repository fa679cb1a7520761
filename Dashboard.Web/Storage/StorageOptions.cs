using System.ComponentModel.DataAnnotations;
using Dashboard.Training;

namespace Dashboard.Web.Storage;

/// <summary>Where runs are kept. Bound from the "Storage" section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The LiteDB file holding every run and its weights.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = Path.Combine(DashboardPaths.DataRoot, "dashboard.db");
}
