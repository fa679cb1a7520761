using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Operations;

/// <summary>What the dashboard removes on its own, and how much it may store. Bound from the "Retention" section.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Checkpoints of cancelled or interrupted runs older than this many days are removed (their Resume then starts over); 0 keeps them.</summary>
    [Range(0, 36500, ErrorMessage = "Retention:CheckpointMaxAgeDays must be between 0 (keep forever) and 36500.")]
    public int CheckpointMaxAgeDays { get; set; } = 30;

    /// <summary>When the database file (with its log) reaches this size, new runs are refused; null = no cap.</summary>
    [Range(1d, double.MaxValue, ErrorMessage = "Retention:MaxDatabaseBytes must be a positive number of bytes, or absent for no cap.")]
    public long? MaxDatabaseBytes { get; set; }

    /// <summary>How often retention runs after its pass at start-up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Retention:Interval must be between 00:00:01 and 30.00:00:00.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}
