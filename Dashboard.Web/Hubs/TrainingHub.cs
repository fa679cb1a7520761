using Dashboard.Web.Accounts;
using Dashboard.Web.Events;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>Broadcasts run events to signed-in SignalR clients (cookie or API token) at <see cref="Path"/>. Clients only listen.</summary>
[Authorize(Policy = Policies.View)]
public sealed class TrainingHub : Hub
{
    public const string Path = "/hubs/training";

    /// <summary>The client method each event is sent as.</summary>
    public static string MethodFor(RunEvent e) => e switch
    {
        RunQueued => "RunQueued",
        RunStarted => "RunStarted",
        RunBatchProgress => "BatchProgress",
        RunEpochCompleted => "EpochCompleted",
        RunFinished => "RunFinished",
        RunDeleted => "RunDeleted",
        _ => e.GetType().Name,
    };
}

/// <summary>Forwards every notifier event to the hub's clients.</summary>
public sealed class TrainingHubForwarder(RunNotifier notifier, IHubContext<TrainingHub> hub, ILogger<TrainingHubForwarder> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = notifier.Subscribe(e => _ = SendAsync(e));
        return Task.CompletedTask;
    }

    private async Task SendAsync(RunEvent e)
    {
        try
        {
            // Sent as object so the JSON carries the concrete event's fields.
            await hub.Clients.All.SendAsync(TrainingHub.MethodFor(e), (object)e);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not broadcast {Event}", e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
