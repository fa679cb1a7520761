using Dashboard.Training.Evaluation;

namespace Dashboard.Training;

/// <summary>Throttled progress within an epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">Batches in an epoch.</param>
/// <param name="Loss">Mean training loss of the batches since the previous report.</param>
/// <param name="ImagesPerSecond">Training throughput so far in this run.</param>
/// <param name="Eta">Estimated time to the end of the run (training only).</param>
public sealed record BatchProgress(int Epoch, int Batch, int BatchesPerEpoch, double Loss, double ImagesPerSecond, TimeSpan Eta);

/// <summary>What one finished epoch measured.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches.</param>
/// <param name="TestLoss">Mean cross-entropy on the test set.</param>
/// <param name="TestAccuracy">Fraction of test images classified correctly (0–1).</param>
/// <param name="Seconds">Wall time of the epoch's training (evaluation excluded).</param>
/// <param name="ImagesPerSecond">Training throughput of the epoch.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TestLoss, double TestAccuracy, double Seconds, double ImagesPerSecond)
{
    // Init properties rather than constructor parameters: records stored before these existed still load (LiteDB sets only the fields it finds).

    /// <summary>Learning rate of the epoch; for one-cycle, the mean over its batches. Null in records from before schedules existed.</summary>
    public double? LearningRate { get; init; }
    /// <summary>Mean cross-entropy on the validation split; null without one.</summary>
    public double? ValidationLoss { get; init; }
    /// <summary>Fraction of the validation split classified correctly (0–1); null without one.</summary>
    public double? ValidationAccuracy { get; init; }
    /// <summary>When the epoch's evaluation finished (UTC): the moment its metrics exist, from which their delivery to a browser is measured.</summary>
    public DateTime? EndedUtc { get; init; }
    /// <summary>Per-class precision, recall and F1 on the test set after this epoch; null in records from before they were kept per epoch.</summary>
    public ClassScores? PerClass { get; init; }
    /// <summary>
    /// CPU use of the process that trained (the dashboard or a worker) over the epoch's training and evaluation, in % of
    /// one core (200 = two cores busy); null in older records.
    /// </summary>
    public double? CpuPercent { get; init; }
    /// <summary>Resident memory (RSS) of the process that trained, at the epoch's end; null in older records.</summary>
    public long? ResidentBytes { get; init; }
}

/// <summary>How a run ended.</summary>
public enum TrainingOutcome
{
    /// <summary>All epochs ran.</summary>
    Completed,
    /// <summary>Stopped by its cancellation token.</summary>
    Cancelled,
    /// <summary>The loss became NaN or infinite.</summary>
    Diverged,
    /// <summary>
    /// Stopped after the session's epoch limit, before the config's last epoch (a rung of a halving study). The
    /// result is that epoch's, as for a completed run; the last checkpoint continues the run.
    /// </summary>
    Paused,
}

/// <summary>Where and with what a run trained.</summary>
public sealed record RunEnvironment(string TorchSharpVersion, string LibTorchVersion, string Device, int Threads, string OperatingSystem, string CpuModel, int ProcessorCount, string DotNetVersion);

/// <summary>Everything a run produced.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why it did not complete, else null.</param>
/// <param name="Epochs">Metrics of every finished epoch.</param>
/// <param name="Confusion">Test-set confusion matrix of the final model (null if no epoch finished).</param>
/// <param name="Report">Classification report of the final model (null if no epoch finished).</param>
/// <param name="TrainingSeconds">Wall time spent training (evaluation excluded).</param>
/// <param name="Environment">Versions, device and machine.</param>
/// <param name="Weights">The final weights in TorchSharp's format (null if no epoch finished).</param>
/// <param name="Evaluation">
/// The final model's test-set evaluation, with every prediction and softmax output (for ensembles and the
/// error gallery); null if no epoch finished.
/// </param>
/// <param name="KeptEpoch">The epoch whose weights, report and confusion matrix these are: the last finished epoch, or with early stopping the best one.</param>
public sealed record TrainingResult(
    TrainingOutcome Outcome,
    string? Reason,
    IReadOnlyList<EpochMetrics> Epochs,
    ConfusionMatrix? Confusion,
    ClassificationReport? Report,
    double TrainingSeconds,
    RunEnvironment Environment,
    byte[]? Weights,
    EvaluationResult? Evaluation = null,
    int? KeptEpoch = null);
