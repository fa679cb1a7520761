using System.ComponentModel.DataAnnotations;
using Hangfire.PostgreSql;
using Npgsql;

namespace Dashboard.Jobs;

/// <summary>
/// The Hangfire queue in PostgreSQL as every process that shares it must see it (dashboard and workers alike):
/// connection string from <c>ConnectionStrings:Hangfire</c>, timings from the <c>JobQueue</c> section.
/// </summary>
public sealed class JobQueueOptions : IValidatableObject
{
    public const string Section = "JobQueue";
    public const string ConnectionStringName = "Hangfire";

    /// <summary>Filled from <c>ConnectionStrings:Hangfire</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a fetched job stays invisible to other workers after its worker last said it is alive. The worker
    /// renews it every fifth of this time while the job runs (sliding), so a job of any length stays with a live
    /// worker, and a killed worker's job goes to another one this long after the kill.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle worker looks for a job that became visible again (a new job wakes it at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old a lock row in the queue's database must be to count as abandoned. Hangfire.PostgreSql's locks are rows,
    /// not sessions: a state change cut off by a PostgreSQL restart leaves its job's lock behind, and the worker thread
    /// that next changes that job's state waits until the row is this old (the package's default, 10 minutes, kept a
    /// one-slot worker from taking any run for that long). Hangfire's own locks last milliseconds to seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long opening a connection may take before it fails (Npgsql's <c>Timeout</c>, 15 s by default), unless the
    /// connection string sets <c>Timeout=</c> itself. A host that drops packets then costs a caller this long, not 15 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                $"ConnectionStrings:{ConnectionStringName} is not set: give the PostgreSQL database that holds the job queue, e.g. \"Host=db;Database=dashboard;Username=dash;Password=...\".",
                [nameof(ConnectionString)]);
            yield break;
        }
        string? problem = null;
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            problem = e.Message;
        }
        if (problem is not null)
            yield return new ValidationResult($"ConnectionStrings:{ConnectionStringName} is not a valid PostgreSQL connection string: {problem}", [nameof(ConnectionString)]);
    }

    /// <summary>The connection string to use: <see cref="ConnectionString"/> with <see cref="ConnectTimeout"/> unless it sets one.</summary>
    public string EffectiveConnectionString()
    {
        var given = new NpgsqlConnectionStringBuilder(ConnectionString);
        // NpgsqlConnectionStringBuilder reports every keyword as present; the plain builder only those written.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = ConnectionString };
        if (!written.ContainsKey("Timeout")) given.Timeout = (int)Math.Ceiling(ConnectTimeout.TotalSeconds);
        return given.ConnectionString;
    }

    /// <summary>Where the queue's PostgreSQL is, for messages: <c>host:port</c>.</summary>
    public string Endpoint()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{builder.Host}:{builder.Port}";
    }

    /// <summary>
    /// The storage options that follow from these settings; one place, so that all processes agree.
    /// <paramref name="prepareSchema"/> false: making the storage touches no network (the dashboard prepares the schema
    /// itself in the background, <c>JobQueueHealth</c>, so that it starts while PostgreSQL is down; decision 0026).
    /// </summary>
    public PostgreSqlStorageOptions StorageOptions(bool prepareSchema = true) => new()
    {
        InvisibilityTimeout = InvisibilityTimeout,
        // Without it a job that runs longer than InvisibilityTimeout is handed to a second worker while the first
        // still trains it (Hangfire.PostgreSql's documented behaviour); with it the timeout only measures silence.
        UseSlidingInvisibilityTimeout = true,
        QueuePollInterval = QueuePollInterval,
        // LISTEN/NOTIFY: an idle worker starts a new job at once instead of at its next poll.
        EnableLongPolling = true,
        PrepareSchemaIfNecessary = prepareSchema,
        DistributedLockTimeout = DistributedLockTimeout,
    };
}
