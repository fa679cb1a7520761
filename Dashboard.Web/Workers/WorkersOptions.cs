using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Workers;

/// <summary>How the dashboard works with training workers (Training:Mode = Workers). Section <c>Workers</c>.</summary>
public sealed class WorkersOptions
{
    public const string Section = "Workers";

    /// <summary>A worker that has not sent a heartbeat for this long is lost: its run is interrupted and queued again.</summary>
    [Range(5, 3600)]
    public int LostAfterSeconds { get; set; } = 60;

    /// <summary>How often the watchdog looks for lost workers.</summary>
    [Range(1, 60)]
    public int CheckEverySeconds { get; set; } = 5;

    /// <summary>How often the dashboard checks that the job queue's PostgreSQL can be reached, and hands it the runs queued while it could not.</summary>
    [Range(1, 60)]
    public int JobQueueCheckSeconds { get; set; } = 5;
}
