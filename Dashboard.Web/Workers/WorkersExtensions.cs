using Dashboard.Web.Training;
using Dashboard.Web.Workers;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;

// Declared in the DI namespace so that the app's composition needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class WorkersExtensions
{
    /// <summary>The connection string naming the PostgreSQL database Hangfire keeps its queues in.</summary>
    public const string ConnectionStringName = "Hangfire";

    /// <summary>
    /// Who runs the queue: <see cref="InProcessRunner"/> always exists (ensembles, and every run in InProcess mode);
    /// in Workers mode runs go to Hangfire on PostgreSQL. Nothing touches PostgreSQL in InProcess mode.
    /// </summary>
    public static IServiceCollection AddTrainingRunners(this IServiceCollection services)
    {
        services.AddOptions<WorkersOptions>().BindConfiguration(WorkersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrainingOptions>()
            .Validate<IConfiguration>((o, c) => o.Mode != TrainingMode.Workers || !string.IsNullOrWhiteSpace(c.GetConnectionString(ConnectionStringName)),
                $"Training:Mode is Workers, which needs ConnectionStrings:{ConnectionStringName} (the PostgreSQL database of the job queue).");
        services.AddSingleton<InProcessRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<InProcessRunner>());
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<RemoteRuns>();
        services.AddSingleton<HangfireRunner>();
        services.AddSingleton<IRunRunner>(sp => WorkersMode(sp) ? sp.GetRequiredService<HangfireRunner>() : sp.GetRequiredService<InProcessRunner>());
        services.AddSingleton<WorkerWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerWatchdog>());
        // Configured lazily: the storage (and its connection) is only made when a job is first queued, i.e. in Workers mode.
        services.AddHangfire((sp, c) => c
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName)),
                new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true }));
        return services;
    }

    private static bool WorkersMode(IServiceProvider sp) => sp.GetRequiredService<IOptions<TrainingOptions>>().Value.Mode == TrainingMode.Workers;
}
