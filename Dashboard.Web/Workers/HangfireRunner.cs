using Dashboard.Jobs;
using Dashboard.Training.Execution;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace Dashboard.Web.Workers;

/// <summary>
/// Training:Mode = Workers: each run becomes one Hangfire job on the queue of its device (<c>cpu</c>, <c>cuda</c>),
/// stored in PostgreSQL, for Dashboard.Worker processes. Ensembles combine stored predictions and stay in-process.
/// While PostgreSQL cannot be reached a launched run stays Queued here, marked <see cref="Run.AwaitsJobQueue"/> with a
/// reason that says so, and <see cref="JobQueueHealth"/> hands it over when it is back (decision 0026).
/// </summary>
public sealed class HangfireRunner(IBackgroundJobClient jobs, InProcessRunner inProcess, RunStore store, RunNotifier notifier, RemoteRuns remote,
    JobQueueHealth health, ILogger<HangfireRunner> logger)
    : IRunRunner
{
    public CurrentRun? Current => inProcess.Current;

    public string? Enqueue(Guid id)
    {
        if (store.Get(id) is not { } run) return $"No run has the id {id}.";
        if (run.IsEnsemble) return inProcess.Enqueue(id);
        // Known to be down: no attempt, which would keep the request waiting for a connect timeout.
        if (health.State is { Unreachable: true } state)
        {
            Wait(id, state);
            return null;
        }
        if (!health.PrepareNow() || !TryHandOver(id)) Wait(id, health.State!);
        return null;
    }

    /// <summary>Creates the run's Hangfire job; false (and the queue marked unreachable) when PostgreSQL cannot be reached.</summary>
    public bool TryHandOver(Guid id)
    {
        if (store.Get(id) is not { } run) return true;
        try
        {
            var job = jobs.Create(Job.FromExpression<ITrainRunJob>(j => j.RunAsync(id, CancellationToken.None)), new EnqueuedState(WorkerProtocol.QueueFor(run.Config)));
            logger.LogInformation("Run {RunId} queued for workers as Hangfire job {Job}", id, job);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not hand run {RunId} to the workers' job queue; it stays Queued here until PostgreSQL is back", id);
            health.Failed(e);
            return false;
        }
        // A job made twice (a crash between the two writes) is harmless: the second claim is refused and its job ends.
        if (run.AwaitsJobQueue)
            store.Update(id, r => r.AwaitsJobQueue ? r with { AwaitsJobQueue = false, StatusReason = r.Status == RunStatus.Queued ? "Handed to the workers' job queue." : r.StatusReason } : r);
        return true;
    }

    private void Wait(Guid id, JobQueueState state)
    {
        var since = state.UnreachableSinceUtc is { } t ? $" since {t:yyyy-MM-dd HH:mm:ss} UTC" : "";
        var reason = $"Waiting for the workers' job queue: PostgreSQL at {state.Endpoint} is unreachable{since}. The run stays queued here and is handed to the workers when it is back.";
        store.Update(id, r => r.Status == RunStatus.Queued ? r with { AwaitsJobQueue = true, StatusReason = reason } : r);
    }

    public bool Cancel(Guid id)
    {
        if (store.Get(id) is not { } run || run.IsFinished) return false;
        if (run.IsEnsemble) return inProcess.Cancel(id);
        // Unclaimed: cancelled here, and the job finds it Cancelled when a worker picks it up.
        if (QueuedRuns.Cancel(store, notifier, id, r => r.Lease is null)) return true;
        remote.RequestCancel(id);
        return true;
    }
}
