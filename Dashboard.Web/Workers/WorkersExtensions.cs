using Dashboard.Web.Training;
using Dashboard.Web.Workers;
using Hangfire;
using Dashboard.Jobs;
using Microsoft.Extensions.Options;

// Declared in the DI namespace so that the app's composition needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class WorkersExtensions
{
    /// <summary>
    /// Who runs the queue: <see cref="InProcessRunner"/> always exists (ensembles, and every run in InProcess mode);
    /// in Workers mode runs go to Hangfire on PostgreSQL. Nothing touches PostgreSQL in InProcess mode.
    /// </summary>
    public static IServiceCollection AddTrainingRunners(this IServiceCollection services)
    {
        services.AddOptions<WorkersOptions>().BindConfiguration(WorkersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrainingOptions>()
            .Validate<IConfiguration>((o, c) => o.Mode != TrainingMode.Workers || !string.IsNullOrWhiteSpace(c.GetConnectionString(JobQueueOptions.ConnectionStringName)),
                $"Training:Mode is Workers, which needs ConnectionStrings:{JobQueueOptions.ConnectionStringName} (the PostgreSQL database of the job queue).");
        services.AddSingleton<InProcessRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<InProcessRunner>());
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<RemoteRuns>();
        services.AddSingleton<HangfireRunner>();
        services.AddSingleton<IRunRunner>(sp => WorkersMode(sp) ? sp.GetRequiredService<HangfireRunner>() : sp.GetRequiredService<InProcessRunner>());
        services.AddSingleton<WorkerWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerWatchdog>());
        // The queue exactly as the workers see it (Dashboard.Jobs). Configured lazily: the storage and its connection
        // are only made when a run is first queued for workers, so InProcess mode never needs PostgreSQL.
        services.AddOptions<JobQueueOptions>().BindConfiguration(JobQueueOptions.Section)
            .Configure<IConfiguration>((o, c) => o.ConnectionString = c.GetConnectionString(JobQueueOptions.ConnectionStringName));
        services.AddHangfire((sp, c) => c.UseDashboardQueue(sp.GetRequiredService<IOptions<JobQueueOptions>>().Value));
        return services;
    }

    private static bool WorkersMode(IServiceProvider sp) => sp.GetRequiredService<IOptions<TrainingOptions>>().Value.Mode == TrainingMode.Workers;
}
