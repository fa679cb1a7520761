namespace Dashboard.Training;

/// <summary>Receives a run's progress on the training thread; implementations must return quickly.</summary>
public interface ITrainingObserver
{
    /// <summary>Throttled batch progress (at most ~10 a second, plus each epoch's last batch).</summary>
    void OnBatch(BatchProgress progress);

    /// <summary>An epoch finished and was evaluated on the test set.</summary>
    void OnEpoch(EpochMetrics metrics);

    /// <summary>
    /// Follows each <see cref="OnEpoch"/> but the run's last (after it the run completes: there is nothing to
    /// resume): the state to resume from after that epoch (a few MB; keep the latest). Ignored unless overridden.
    /// </summary>
    void OnCheckpoint(TrainingCheckpoint checkpoint) { }
}
