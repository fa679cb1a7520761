namespace Dashboard.Training.Execution;

/// <summary>
/// Where a run's execution reports: the dashboard's store when it trains in-process, the dashboard's API when
/// a worker trains it. Called on the training thread, in order; implementations return quickly (buffer if slow).
/// </summary>
public interface IRunSink
{
    /// <summary>Training begins; <paramref name="resumedAfterEpoch"/> is set when it continues from a checkpoint.</summary>
    void Started(int? resumedAfterEpoch, IReadOnlyList<EpochMetrics> history);

    /// <summary>Throttled batch progress.</summary>
    void Batch(BatchProgress progress);

    /// <summary>An epoch finished: its metrics and the checkpoint to resume from after it, kept together.</summary>
    void Epoch(EpochMetrics metrics, byte[] checkpoint);

    /// <summary>
    /// The run ended; <see cref="RunEnd"/> says how. Its artifacts are in <paramref name="result"/>.
    /// <paramref name="finalEpoch"/> is the run's last epoch when it came without a checkpoint (nothing is resumed
    /// after it, see <see cref="ITrainingObserver.OnCheckpoint"/>): it was not reported through <see cref="Epoch"/>
    /// and is kept with the end, in the same step.
    /// </summary>
    void Ended(RunEnd end, string? reason, TrainingResult? result, EpochMetrics? finalEpoch);
}

/// <summary>How a run's execution ended, from the run's point of view.</summary>
public enum RunEnd
{
    /// <summary>Every epoch ran (or early stopping ended it).</summary>
    Completed,
    /// <summary>Cancelled by a user.</summary>
    Cancelled,
    /// <summary>Stopped because its process is stopping; it resumes from its last checkpoint later.</summary>
    Interrupted,
    /// <summary>The loss became NaN or infinite.</summary>
    Diverged,
    /// <summary>It could not run: no data set, or an error.</summary>
    Failed,
    /// <summary>It reached its ticket's <see cref="RunTicket.PauseAfterEpoch"/> before its last epoch; its checkpoint continues it.</summary>
    Paused,
}

/// <summary>What a run's execution needs: its id, its config, and the checkpoint to continue from (null to start over).</summary>
/// <param name="RunId">The run.</param>
/// <param name="Config">Its config, unchanged by a pause (the schedule is that of the whole run).</param>
/// <param name="Checkpoint">The checkpoint to continue from; null to start over.</param>
/// <param name="PauseAfterEpoch">End this session after that epoch (<see cref="RunEnd.Paused"/>); null to train to the end.</param>
public sealed record RunTicket(Guid RunId, TrainingConfig Config, byte[]? Checkpoint, int? PauseAfterEpoch = null);
