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
        services.AddSingleton<JobQueueHealth>();
        services.AddHostedService(sp => sp.GetRequiredService<JobQueueHealth>());
        services.AddSingleton<WorkerWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerWatchdog>());
        // The queue exactly as the workers see it (Dashboard.Jobs). Configured lazily: the storage is only made when a run
        // is first queued for workers, so InProcess mode never needs PostgreSQL.
        services.AddOptions<JobQueueOptions>().BindConfiguration(JobQueueOptions.Section)
            .Configure<IConfiguration>((o, c) => o.ConnectionString = c.GetConnectionString(JobQueueOptions.ConnectionStringName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobQueueOptions>, JobQueueOptionsInWorkersMode>();
        // prepareSchema: false, so making the storage touches no network; JobQueueHealth prepares the schema (decision 0026).
        services.AddHangfire((sp, c) => c.UseDashboardQueue(sp.GetRequiredService<IOptions<JobQueueOptions>>().Value, prepareSchema: false));
        return services;
    }

    private static bool WorkersMode(IServiceProvider sp) => sp.GetRequiredService<IOptions<TrainingOptions>>().Value.Mode == TrainingMode.Workers;
}

/// <summary>The job queue's settings are checked at start in Workers mode only: InProcess mode has no queue to set.</summary>
internal sealed class JobQueueOptionsInWorkersMode(IOptions<TrainingOptions> training) : IValidateOptions<JobQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, JobQueueOptions options) =>
        training.Value.Mode == TrainingMode.Workers
            ? new DataAnnotationValidateOptions<JobQueueOptions>(name).Validate(name, options)
            : ValidateOptionsResult.Skip;
}
