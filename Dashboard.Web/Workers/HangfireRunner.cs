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
/// </summary>
public sealed class HangfireRunner(IBackgroundJobClient jobs, InProcessRunner inProcess, RunStore store, RunNotifier notifier, RemoteRuns remote, ILogger<HangfireRunner> logger)
    : IRunRunner
{
    public CurrentRun? Current => inProcess.Current;

    public string? Enqueue(Guid id)
    {
        if (store.Get(id) is not { } run) return $"No run has the id {id}.";
        if (run.IsEnsemble) return inProcess.Enqueue(id);
        try
        {
            var job = jobs.Create(Job.FromExpression<ITrainRunJob>(j => j.RunAsync(id, CancellationToken.None)), new EnqueuedState(WorkerProtocol.QueueFor(run.Config)));
            logger.LogInformation("Run {RunId} queued for workers as Hangfire job {Job}", id, job);
            return null;
        }
        catch (Exception e)
        {
            // PostgreSQL unreachable: the launch is refused (the caller undoes it) rather than stored and never run.
            logger.LogError(e, "Could not queue run {RunId} for workers", id);
            return $"The workers' job queue (PostgreSQL) cannot be reached: {e.Message}. Nothing was queued.";
        }
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
