using Hangfire;
using Hangfire.PostgreSql;

namespace Dashboard.Jobs;

public static class JobQueueConfiguration
{
    /// <summary>
    /// Hangfire as every process on the queue must configure it (a worker, the dashboard, a test's client): how jobs
    /// are written, and the PostgreSQL storage with the shared timings.
    /// <paramref name="prepareSchema"/>: see <see cref="JobQueueOptions.StorageOptions"/>.
    /// </summary>
    public static IGlobalConfiguration<PostgreSqlStorage> UseDashboardQueue(this IGlobalConfiguration configuration, JobQueueOptions queue, bool prepareSchema = true) =>
        configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            // Job types are recorded without assembly versions, so a dashboard and workers built apart still agree.
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(c => c.UseNpgsqlConnection(queue.EffectiveConnectionString()), queue.StorageOptions(prepareSchema));
}
