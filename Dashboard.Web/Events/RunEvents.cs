using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Events;

/// <summary>Something happened to a run. Every event names its run.</summary>
public abstract record RunEvent(Guid RunId);

public sealed record RunQueued(Guid RunId, string Name) : RunEvent(RunId);

public sealed record RunStarted(Guid RunId) : RunEvent(RunId);

/// <summary>Throttled by the trainer to at most ~10 a second.</summary>
public sealed record RunBatchProgress(Guid RunId, BatchProgress Progress) : RunEvent(RunId);

public sealed record RunEpochCompleted(Guid RunId, EpochMetrics Metrics) : RunEvent(RunId);

public sealed record RunFinished(Guid RunId, RunStatus Status, string? Reason, double? Accuracy) : RunEvent(RunId);

public sealed record RunDeleted(Guid RunId) : RunEvent(RunId);

/// <summary>
/// The one in-process channel for run events: the training service publishes, components and the
/// SignalR forwarder subscribe. Handlers run on the publisher's thread and must not block
/// (components hop to their renderer with InvokeAsync).
/// </summary>
public sealed class RunNotifier(ILogger<RunNotifier> logger)
{
    private readonly Lock _lock = new();
    private Action<RunEvent>[] _handlers = [];

    public IDisposable Subscribe(Action<RunEvent> handler)
    {
        lock (_lock) _handlers = [.. _handlers, handler];
        return new Subscription(() =>
        {
            lock (_lock) _handlers = _handlers.Where(h => h != handler).ToArray();
        });
    }

    public void Publish(RunEvent e)
    {
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(e);
            }
            catch (Exception ex)
            {
                // One broken subscriber must not stop training or the other subscribers.
                logger.LogWarning(ex, "A run event subscriber failed on {Event}", e.GetType().Name);
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
