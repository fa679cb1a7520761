using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Training;

/// <summary>The training service's settings. Bound from the "Training" section.</summary>
public sealed class TrainingOptions
{
    public const string Section = "Training";

    /// <summary>Runs that may wait in the queue; launching more is refused with a clear message.</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 1000;
}
