using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using Dashboard.Jobs;
using Dashboard.Training.Data;
using Dashboard.Training.Execution;
using Dashboard.Training.Runtime;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

/// <summary>The runs this worker trains now, with the means to stop each (for the heartbeat's answers).</summary>
public sealed class ActiveRuns
{
    private readonly ConcurrentDictionary<Guid, ApiRunSink> _runs = new();

    public IReadOnlyList<Guid> Ids => _runs.Keys.ToList();

    public void Add(Guid id, ApiRunSink sink) => _runs[id] = sink;

    public void Remove(Guid id) => _runs.TryRemove(id, out _);

    /// <summary>Stops a run (cancelled by a user, or no longer this worker's).</summary>
    public void Stop(Guid id)
    {
        if (_runs.TryGetValue(id, out var sink)) sink.Stop.Cancel();
    }
}

/// <summary>
/// One Torch thread per slot, reused run after run (a new thread per run leaves a malloc arena behind, decision 0016).
/// Hangfire runs at most Worker:Slots jobs at once, so a free thread is always there.
/// </summary>
public sealed class TorchSlots : IDisposable
{
    private readonly ConcurrentBag<DedicatedTorchThread> _free = [];

    public TorchSlots(IOptions<WorkerOptions> options)
    {
        for (var i = 0; i < options.Value.Slots; i++) _free.Add(new DedicatedTorchThread($"slot-{i + 1}"));
    }

    public DedicatedTorchThread Rent() => _free.TryTake(out var thread) ? thread : throw new InvalidOperationException("More jobs than slots.");

    public void Return(DedicatedTorchThread thread) => _free.Add(thread);

    public void Dispose()
    {
        foreach (var thread in _free) thread.Dispose();
    }
}

/// <summary>
/// The Hangfire job: claim the run from the dashboard, train it with <see cref="RunExecution"/> (the code the
/// dashboard uses in-process) and report each step through an <see cref="ApiRunSink"/>. A run the dashboard
/// will not give (cancelled, finished, claimed by another) ends the job at once.
/// </summary>
public sealed class TrainRunJob(DashboardClient dashboard, DatasetProvider dataset, TorchSlots slots, ActiveRuns active,
    IOptions<WorkerOptions> options, ILogger<TrainRunJob> logger) : ITrainRunJob
{
    public async Task RunAsync(Guid runId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (await ClaimAsync(runId, cancellationToken) is not { } claim) return;
        logger.LogInformation("Run {RunId} claimed; training with {Threads} thread(s)", runId, o.ThreadsPerSlot);
        byte[]? checkpoint;
        try
        {
            checkpoint = claim.Checkpoint is { } digest ? await CheckpointAsync(runId, claim.Lease, digest, cancellationToken) : null;
        }
        catch (RunRefusedException e)
        {
            logger.LogInformation("Run {RunId} is no longer this worker's ({Refusal}); nothing to do", runId, e.Message);
            return;
        }
        // TorchSharp's thread count is process-wide: every slot of this worker trains with the same.
        var ticket = new RunTicket(runId, claim.Config with { Threads = o.ThreadsPerSlot }, checkpoint, claim.PauseAfterEpoch);
        var sink = new ApiRunSink(dashboard, runId, claim.Lease, o.DeliverFor, logger);
        var thread = slots.Rent();
        active.Add(runId, sink);
        try
        {
            try
            {
                await new RunExecution(dataset, thread, (m, e) => logger.LogWarning(e, "{Message}", m))
                    .ExecuteAsync(ticket, sink, sink.Stop.Token, cancellationToken);
            }
            catch (Exception e)
            {
                // Recorded on the run, as the dashboard does for its own: the job ends and the worker takes the next.
                logger.LogError(e, "Run {RunId} failed", runId);
                sink.Ended(RunEnd.Failed, $"The run failed on worker {o.Identity}: {e.Message}", null, null);
            }
            await sink.FlushAsync();
            logger.LogInformation("Run {RunId} done{Lost}", runId, sink.LeaseLost ? " (it was given to another worker)" : "");
        }
        finally
        {
            active.Remove(runId);
            slots.Return(thread);
            await sink.DisposeAsync();
        }
    }

    private async Task<ClaimReply?> ClaimAsync(Guid runId, CancellationToken cancellationToken)
    {
        var claim = await UntilReachedAsync(runId, "claim it", () => dashboard.ClaimAsync(runId, options.Value.Identity, cancellationToken), cancellationToken);
        if (claim is null) logger.LogInformation("Run {RunId} is not claimable any more; nothing to do", runId);
        return claim;
    }

    /// <summary>The checkpoint to resume from; null (the run starts over, as with an unreadable one) when it is gone or arrived damaged.</summary>
    private async Task<byte[]?> CheckpointAsync(Guid runId, Guid lease, ArtifactDigest digest, CancellationToken cancellationToken)
    {
        try
        {
            return await UntilReachedAsync(runId, "fetch its checkpoint", () => dashboard.CheckpointAsync(runId, lease, digest, cancellationToken), cancellationToken)
                ?? LogStartOver(runId, "the dashboard has no readable checkpoint now", null);
        }
        catch (InvalidDataException e)
        {
            return LogStartOver(runId, "its checkpoint arrived damaged", e);
        }
    }

    private byte[]? LogStartOver(Guid runId, string why, Exception? e)
    {
        logger.LogWarning(e, "Run {RunId}: {Why}; it starts over", runId, why);
        return null;
    }

    // The dashboard may be restarting: keep asking until it answers or this worker stops.
    private async Task<T?> UntilReachedAsync<T>(Guid runId, string what, Func<Task<T?>> call, CancellationToken cancellationToken) where T : class
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt % 10 == 0) logger.LogWarning("Run {RunId}: the dashboard cannot be reached to {What} ({Error}); retrying", runId, what, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, 1 + attempt)), cancellationToken);
            }
        }
    }
}
