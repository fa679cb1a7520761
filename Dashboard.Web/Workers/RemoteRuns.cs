using Dashboard.Training.Execution;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;

namespace Dashboard.Web.Workers;

/// <summary>
/// Runs trained by workers, as the dashboard holds them: claims with their leases, and the store sink their
/// reports go to. A report with a lease that is not the run's current one is refused (the worker was
/// given up on and the run handed to another), and a finished run takes no more reports.
/// </summary>
public sealed class RemoteRuns(RunStore store, RunNotifier notifier, WorkerRegistry registry, ILogger<RemoteRuns> logger)
{
    /// <summary>Gives a Queued, unclaimed run to <paramref name="workerId"/>; the refusal says why not.</summary>
    public (ClaimReply? Claim, string? Refusal) Claim(Guid id, string workerId)
    {
        var lease = Guid.NewGuid();
        var granted = false;
        var run = store.Update(id, r =>
        {
            granted = r.Status == RunStatus.Queued && r.Lease is null && !r.IsEnsemble;
            return granted ? r with { Worker = workerId, Lease = lease, StatusReason = $"Claimed by worker {workerId}." } : r;
        });
        if (run is null) return (null, $"No run has the id {id}.");
        if (!granted)
            return (null, run.Lease is not null && run.Status is RunStatus.Queued or RunStatus.Running
                ? $"Run {id} is already claimed by worker {run.Worker}."
                : $"Run {id} is {run.Status}: there is nothing to train.");
        logger.LogInformation("Run {RunId} claimed by worker {Worker}", id, workerId);
        // Only its digest: the worker fetches the bytes from the checkpoint endpoint and checks them against it.
        var checkpoint = run.Epochs.Count > 0 ? ReadableCheckpoint(id) : null;
        return (new ClaimReply(lease, run.Config, checkpoint is null ? null : ArtifactDigest.Of(checkpoint), run.PauseAfterEpoch), null);
    }

    /// <summary>The run's stored checkpoint, or null when there is none or it is damaged (the worker then starts the run over).</summary>
    public byte[]? ReadableCheckpoint(Guid id)
    {
        try
        {
            return store.LoadCheckpoint(id);
        }
        catch (ArtifactDamagedException e)
        {
            logger.LogWarning(e, "Checkpoint of run {RunId} is damaged; the worker starts it over", id);
            return null;
        }
    }

    /// <summary>
    /// The run a report quoting <paramref name="lease"/> is about, as just read, with the sink the report goes to;
    /// or the reason it is refused (another lease, an ended run, no such run).
    /// </summary>
    public (ClaimedRun? Claimed, string? Refusal) Check(Guid id, Guid lease)
    {
        var run = store.Get(id);
        if (run is null) return (null, $"No run has the id {id}.");
        if (run.Lease != lease) return (null, $"Run {id} is no longer this worker's (its claim was replaced); stop training it.");
        if (run.IsFinished) return (null, $"Run {id} has already ended ({run.Status}).");
        return (new ClaimedRun(run, new StoreRunSink(store, notifier, id)), null);
    }

    /// <summary>A user cancelled a claimed run: the worker hears it in its next batch or heartbeat reply.</summary>
    public void RequestCancel(Guid id) => registry.RequestCancel(id);

    public bool CancelRequested(Guid id) => registry.CancelRequested(id);

    public void Ended(Guid id) => registry.Forget(id);
}

/// <summary>A run under a worker's valid lease, as read when its report was checked, and the sink for the report.</summary>
public sealed record ClaimedRun(Run Run, StoreRunSink Sink);
