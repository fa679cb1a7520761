using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Training;

/// <summary>The training service's settings. Bound from the "Training" section.</summary>
public sealed class TrainingOptions
{
    public const string Section = "Training";

    /// <summary>Runs that may wait in the queue; launching more is refused with a clear message.</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Who trains: this process (the default) or training workers through Hangfire (see Workers options).</summary>
    public TrainingMode Mode { get; set; } = TrainingMode.InProcess;
}

public enum TrainingMode
{
    /// <summary>The dashboard trains its runs itself, one at a time.</summary>
    InProcess,
    /// <summary>Runs go to Hangfire's queues on PostgreSQL; Dashboard.Worker processes train them. Ensembles stay in-process.</summary>
    Workers,
}
