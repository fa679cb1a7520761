using Dashboard.Jobs;
using Dashboard.Worker;
using Dashboard.Worker.Jobs;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

// Declared in the DI namespace so that Program.cs needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>A Hangfire server on PostgreSQL that serves <c>Worker:Queues</c> with <c>Worker:Slots</c> workers.</summary>
    public static IServiceCollection AddDashboardWorker(this IServiceCollection services)
    {
        services.AddOptions<JobQueueOptions>()
            .BindConfiguration(JobQueueOptions.Section)
            .Configure<IConfiguration>((o, configuration) => o.ConnectionString = configuration.GetConnectionString(JobQueueOptions.ConnectionStringName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddHangfire((provider, configuration) => configuration
            .UseDashboardQueue(provider.GetRequiredService<IOptions<JobQueueOptions>>().Value)
            // The dashboard queues a run again itself when its worker is lost; Hangfire's own retries would train it twice.
            .UseFilter(new AutomaticRetryAttribute { Attempts = 0 }));
        services.AddHangfireServer((provider, server) =>
        {
            var worker = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
            server.ServerName = worker.DisplayName;
            server.WorkerCount = worker.Slots;
            server.Queues = worker.QueuesToServe;
            server.HeartbeatInterval = worker.HeartbeatInterval;
            server.ServerTimeout = worker.ServerTimeout;
            server.ServerCheckInterval = worker.HeartbeatInterval;
        });

        services.AddSingleton(provider => NpgsqlDataSource.Create(provider.GetRequiredService<IOptions<JobQueueOptions>>().Value.ConnectionString!));
        services.AddTransient<ProbeJob>();

        // Training runs for the dashboard: the data set, a Torch thread per slot, the dashboard's API, the heartbeat.
        services.AddTrainingServices();
        services.AddHttpClient<DashboardClient>();
        services.AddSingleton<ActiveRuns>();
        services.AddSingleton<TorchSlots>();
        services.AddTransient<ITrainRunJob, TrainRunJob>();
        services.AddHostedService<HeartbeatService>();
        return services;
    }
}
