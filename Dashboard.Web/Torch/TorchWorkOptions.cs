using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Torch;

/// <summary>
/// Limits on torch work outside training (predictions, evaluations of stored weights, PyTorch exports).
/// Bound from the "TorchWork" section and validated at start-up.
/// </summary>
public sealed class TorchWorkOptions
{
    public const string Section = "TorchWork";

    /// <summary>
    /// Pieces of torch work running at once. Each runs on a thread of its own with its own OpenMP pool and
    /// malloc arena (decisions 0013, 0016), so this also bounds the memory they hold; the machine has few cores
    /// and a run may be training on them.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 2;

    /// <summary>Requests that may wait for a free slot; beyond this one is refused with 503 and Retry-After.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; } = 32;

    /// <summary>Seconds a refused client is told to wait (the Retry-After header).</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;
}
