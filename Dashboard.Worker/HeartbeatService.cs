using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Dashboard.Training.Execution;
using Dashboard.Training.Runtime;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

/// <summary>
/// Tells the dashboard every few seconds that this worker lives and what it trains; the answer names runs a
/// user cancelled and runs that are no longer this worker's, which are stopped. A refused token stops the worker
/// with a message saying so (it could never report a run).
/// </summary>
public sealed class HeartbeatService(DashboardClient dashboard, ActiveRuns active, IOptions<WorkerOptions> options,
    IHostApplicationLifetime lifetime, ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var device = TorchRuntime.CudaAvailable ? "cuda" : "cpu";
        using var timer = new PeriodicTimer(o.HeartbeatInterval);
        do
        {
            try
            {
                var reply = await dashboard.HeartbeatAsync(
                    new WorkerHeartbeat(o.Identity, Environment.MachineName, device, o.Slots, o.ThreadsPerSlot, o.QueuesToServe, active.Ids), stoppingToken);
                foreach (var id in reply.Cancel.Concat(reply.NotYours)) active.Stop(id);
            }
            catch (UnauthorizedAccessException e)
            {
                logger.LogCritical("{Message} The worker stops.", e.Message);
                Environment.ExitCode = 4;
                lifetime.StopApplication();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Heartbeat not delivered ({Error}); training goes on and reports wait for the dashboard", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
