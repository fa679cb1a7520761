using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// Declared in the DI namespace, like AddDashboardWeb, so the one call needs no using.
namespace Microsoft.Extensions.DependencyInjection;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>The database lock, backups, retention and the status report (docs/decisions/0015-lock-backup-retention.md).</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => DatabaseLock.Acquire(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DatabasePath));
        services.AddHostedService<LockAddressPublisher>();
        services.AddSingleton<StorageCap>();
        services.AddSingleton<ILaunchGate>(sp => sp.GetRequiredService<StorageCap>());
        services.AddSingleton<BackupService>();
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        services.AddSingleton<StatusReader>();
        return services;
    }

    /// <summary>RunStore, opened only once this process holds the database's lock.</summary>
    public static RunStore CreateLockedRunStore(IServiceProvider services)
    {
        services.GetRequiredService<DatabaseLock>();
        return ActivatorUtilities.CreateInstance<RunStore>(services);
    }

    /// <summary>Writes where this process listens into the lock's owner file, once the server has started.</summary>
    private sealed class LockAddressPublisher(DatabaseLock databaseLock, IServer server, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
                databaseLock.PublishAddresses(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
