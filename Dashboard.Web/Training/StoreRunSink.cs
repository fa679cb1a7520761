using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Execution;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Training;

/// <summary>
/// Where a run's execution reports when the dashboard holds the run: its store, then its notifier. Used for
/// runs trained in this process and, through the workers' API, for runs trained elsewhere: one owner of
/// what each step of a run does to the stored run.
/// </summary>
public sealed class StoreRunSink(RunStore store, RunNotifier notifier, Guid runId) : IRunSink
{
    public Guid RunId => runId;

    public void Started(int? resumedAfterEpoch, IReadOnlyList<EpochMetrics> history)
    {
        store.Update(runId, r => r with
        {
            Status = RunStatus.Running,
            StartedUtc = r.StartedUtc ?? DateTime.UtcNow,
            StatusReason = resumedAfterEpoch is { } epoch ? $"Resumed after epoch {epoch}." : null,
            // A resumed run continues from its checkpoint's history; a run that starts over starts empty.
            Epochs = history.ToList(),
            // Results of the epoch it was cancelled at are not its results any more; the end sets them again.
            Report = null,
            Confusion = null,
            Accuracy = null,
            MacroF1 = null,
            TrainingSeconds = null,
        });
        notifier.Publish(new RunStarted(runId));
    }

    public void Batch(BatchProgress progress) => notifier.Publish(new RunBatchProgress(runId, progress));

    public void Epoch(EpochMetrics metrics, byte[] checkpoint)
    {
        // One transaction, then the event: a browser never shows an epoch that a crash could take back.
        store.SaveEpoch(runId, metrics, checkpoint);
        notifier.Publish(new RunEpochCompleted(runId, metrics));
    }

    public void Ended(RunEnd end, string? reason, TrainingResult? result, EpochMetrics? finalEpoch)
    {
        if (result is null)
        {
            Ended(end, reason);
            return;
        }
        Complete(new RunCompletion(StatusOf(end), reason)
        {
            Report = result.Report,
            Confusion = result.Confusion,
            TrainingSeconds = result.TrainingSeconds,
            Environment = result.Environment,
            Weights = result.Weights,
            Evaluation = result.Evaluation is null ? null : EvaluationBytes.ToBytes(result.Evaluation),
            FinalEpoch = finalEpoch,
        });
    }

    /// <summary>A run that ended without results (it failed, or was cancelled before it trained): its status only.</summary>
    public void Ended(RunEnd end, string? reason)
    {
        var status = StatusOf(end);
        store.Update(runId, r => r with { Status = status, StatusReason = reason, FinishedUtc = DateTime.UtcNow });
        notifier.Publish(new RunFinished(runId, status, reason, null));
    }

    /// <summary>A run that ended with results: stored in one transaction, then its last epoch (if it came with the end) and its end are published.</summary>
    public void Complete(RunCompletion completion)
    {
        // One transaction: a crash at any instant leaves the run either ended with its results or still resumable.
        store.CompleteRun(runId, completion);
        if (completion.FinalEpoch is { } last) notifier.Publish(new RunEpochCompleted(runId, last));
        notifier.Publish(new RunFinished(runId, completion.Status, completion.Reason, completion.Report?.Accuracy));
    }

    public static RunStatus StatusOf(RunEnd end) => end switch
    {
        RunEnd.Completed => RunStatus.Completed,
        RunEnd.Cancelled => RunStatus.Cancelled,
        RunEnd.Interrupted => RunStatus.Interrupted,
        RunEnd.Diverged => RunStatus.Diverged,
        RunEnd.Paused => RunStatus.Paused,
        _ => RunStatus.Failed,
    };
}
