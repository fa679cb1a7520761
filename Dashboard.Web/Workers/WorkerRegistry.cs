using System.Collections.Concurrent;
using Dashboard.Training.Execution;

namespace Dashboard.Web.Workers;

/// <summary>A worker as last heard from.</summary>
public sealed record WorkerState(WorkerHeartbeat Heartbeat, DateTime LastSeenUtc, string? Address);

/// <summary>
/// The workers heard from and the cancels waiting for them, in memory: after a restart workers show up
/// again at their next heartbeat (seconds), and the watchdog counts from the start until then.
/// </summary>
public sealed class WorkerRegistry(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, WorkerState> _workers = new();
    private readonly ConcurrentDictionary<Guid, byte> _cancels = new();

    /// <summary>When this process started hearing: a worker unheard since then is given until then plus the timeout.</summary>
    public DateTime SinceUtc { get; } = clock.GetUtcNow().UtcDateTime;

    public void Heard(WorkerHeartbeat heartbeat, string? address) =>
        _workers[heartbeat.WorkerId] = new WorkerState(heartbeat, clock.GetUtcNow().UtcDateTime, address);

    public IReadOnlyList<WorkerState> All() => _workers.Values.OrderBy(w => w.Heartbeat.WorkerId, StringComparer.Ordinal).ToList();

    public DateTime LastSeenUtc(string workerId) => _workers.TryGetValue(workerId, out var w) ? w.LastSeenUtc : SinceUtc;

    public void RequestCancel(Guid runId) => _cancels[runId] = 0;

    public bool CancelRequested(Guid runId) => _cancels.ContainsKey(runId);

    public void Forget(Guid runId) => _cancels.TryRemove(runId, out _);
}
