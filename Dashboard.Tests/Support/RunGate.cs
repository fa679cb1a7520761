using Dashboard.Web.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Tests.Support;

/// <summary>
/// Holds the training service at the first run event that matches, until <see cref="Release"/> or the app stops.
/// Quick test runs finish in seconds, so a cancel or stop sent "while it trains" can arrive after it completed.
/// Run events are published on the training service's own thread (RunStarted before training starts, epoch events
/// between epochs), so while held, the run is stored as running and meets a cancellation at its next batch.
/// Subscribers registered earlier (a page, the hub) still get the event first.
/// </summary>
public sealed class RunGate
{
    private readonly ManualResetEventSlim _release = new();
    private readonly TaskCompletionSource<Guid> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _used;

    private RunGate(DashboardApp app, Func<RunEvent, bool> at)
    {
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(Release);
        app.Notifier.Subscribe(e =>
        {
            if (!at(e) || Interlocked.Exchange(ref _used, 1) == 1) return;
            _held.TrySetResult(e.RunId);
            // Bounded, so a failing test cannot hang the suite.
            _release.Wait(TimeSpan.FromMinutes(3));
        });
    }

    /// <summary>Holds the next run that starts.</summary>
    public static RunGate AtStart(DashboardApp app) => new(app, e => e is RunStarted);

    /// <summary>Holds <paramref name="runId"/> once its epoch <paramref name="epoch"/> is stored and published.</summary>
    public static RunGate AfterEpoch(DashboardApp app, Guid runId, int epoch) =>
        new(app, e => e is RunEpochCompleted c && c.RunId == runId && c.Metrics.Epoch == epoch);

    /// <summary>Completes with the held run's id once it is held.</summary>
    public Task<Guid> Held => _held.Task.WaitAsync(TimeSpan.FromMinutes(3));

    public void Release() => _release.Set();
}
