using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Workers;

/// <summary>
/// Gives up on workers that stopped sending heartbeats (killed, unplugged): their runs become Interrupted
/// ("worker lost") and are queued again at once, to resume from their last epoch checkpoint on another worker.
/// The new claim replaces the lost worker's lease, so if it comes back its reports are refused.
/// </summary>
public sealed class WorkerWatchdog(RunStore store, RunNotifier notifier, WorkerRegistry registry, TrainingService training,
    IOptions<WorkersOptions> options, IOptions<TrainingOptions> trainingOptions, TimeProvider clock, ILogger<WorkerWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (trainingOptions.Value.Mode != TrainingMode.Workers) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckEverySeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                Check();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The worker watchdog's check failed; it tries again in {Seconds} s", options.Value.CheckEverySeconds);
            }
        }
    }

    /// <summary>One pass: every claimed run whose worker is silent past the timeout is interrupted and queued again.</summary>
    public void Check()
    {
        var lostAfter = TimeSpan.FromSeconds(options.Value.LostAfterSeconds);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var run in store.ClaimedRuns())
        {
            var silent = now - registry.LastSeenUtc(run.Worker!);
            if (silent < lostAfter) continue;
            var reason = $"Worker {run.Worker} was lost (no heartbeat for {silent.TotalSeconds:0} s) after {run.Epochs.Count} epoch(s); queued again to resume.";
            var lease = run.Lease;
            var interrupted = store.Update(run.Id, r => r.Lease == lease && !r.IsFinished
                ? r with { Status = RunStatus.Interrupted, StatusReason = reason, FinishedUtc = now, Lease = null }
                : r);
            if (interrupted is null || interrupted.Lease is not null || interrupted.Status != RunStatus.Interrupted) continue;
            logger.LogWarning("Run {RunId}: worker {Worker} lost; queued again", run.Id, run.Worker);
            notifier.Publish(new RunFinished(run.Id, RunStatus.Interrupted, reason, null));
            if (training.Resume(run.Id) is { Succeeded: false } refused)
                logger.LogError("Run {RunId} could not be queued again after its worker was lost: {Error}", run.Id, refused.Error);
        }
    }
}
