using Dashboard.Web.Storage;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Operations;

/// <summary>One checkpoint that retention removed.</summary>
public sealed record RemovedCheckpoint(Guid RunId, string RunName, RunStatus Status, DateTime FinishedUtc, long Bytes);

/// <summary>One retention pass: when, and what it removed.</summary>
public sealed record RetentionPass(DateTimeOffset AtUtc, IReadOnlyList<RemovedCheckpoint> Removed)
{
    public long BytesRemoved => Removed.Sum(r => r.Bytes);
}

/// <summary>
/// Removes checkpoints of cancelled and interrupted runs older than Retention:CheckpointMaxAgeDays, at start
/// and every Retention:Interval. Only checkpoints: finished results (weights, epochs, evaluations) are never
/// removed on their own. A run without its checkpoint can still be resumed; it starts over.
/// Registered as a singleton and as the hosted service, so the status page can show the last pass.
/// </summary>
public sealed class RetentionService(RunStore store, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    private volatile RetentionPass? _lastPass;

    /// <summary>The latest pass, or null before the first.</summary>
    public RetentionPass? LastPass => _lastPass;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                Apply();
            }
            catch (Exception e) when (e is LiteException or IOException)
            {
                // The next pass tries again; the dashboard keeps serving.
                logger.LogError(e, "Retention pass failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Runs one pass now.</summary>
    public RetentionPass Apply()
    {
        var now = time.GetUtcNow();
        var removed = new List<RemovedCheckpoint>();
        if (options.Value.CheckpointMaxAgeDays > 0)
        {
            var cutoff = now.UtcDateTime.AddDays(-options.Value.CheckpointMaxAgeDays);
            foreach (var run in ResumableRuns().Where(r => FinishedUtc(r) < cutoff))
                if (TryRemoveCheckpoint(run, now) is { } gone) removed.Add(gone);
        }
        var pass = new RetentionPass(now, removed);
        _lastPass = pass;
        logger.LogInformation("Retention pass: removed {Count} checkpoint(s), {Bytes} bytes", removed.Count, pass.BytesRemoved);
        return pass;
    }

    private IEnumerable<Run> ResumableRuns() =>
        store.GetCollection<Run>("runs").Find(r => r.Status == RunStatus.Cancelled || r.Status == RunStatus.Interrupted).ToList();

    // LiteDB hands dates back in local time; a run without a finish time counts from its creation.
    private static DateTime FinishedUtc(Run run) => (run.FinishedUtc ?? run.CreatedUtc).ToUniversalTime();

    private RemovedCheckpoint? TryRemoveCheckpoint(Run run, DateTimeOffset now)
    {
        if (!store.HasCheckpoint(run.Id)) return null;
        var bytes = ArtifactSizes.CheckpointBytes(store, run.Id);
        // Status checked again under the store's lock, with the note: a run resumed since the query keeps its checkpoint.
        // (One resumed between this and the delete starts over, as if the checkpoint had gone a moment earlier.)
        var noted = false;
        store.Update(run.Id, r =>
        {
            noted = r.Status is RunStatus.Cancelled or RunStatus.Interrupted;
            return noted ? r with { StatusReason = Note(r.StatusReason, now) } : r;
        });
        if (!noted) return null;
        store.DeleteCheckpoint(run.Id);
        logger.LogInformation("Retention removed the checkpoint of run {RunId} ({RunName}, {Status} at {FinishedUtc:u}): {Bytes} bytes",
            run.Id, run.Name, run.Status, FinishedUtc(run), bytes);
        return new RemovedCheckpoint(run.Id, run.Name, run.Status, FinishedUtc(run), bytes);
    }

    private string Note(string? reason, DateTimeOffset now) =>
        $"{reason}{(string.IsNullOrEmpty(reason) ? "" : " ")}Its checkpoint was removed on {now.UtcDateTime:yyyy-MM-dd} " +
        $"(older than Retention:CheckpointMaxAgeDays = {options.Value.CheckpointMaxAgeDays}); Resume starts it over.";
}
