using Dashboard.Jobs;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Web.Workers;

/// <summary>
/// Whether the workers' job queue (PostgreSQL) could be reached when last tried: <see cref="UnreachableSinceUtc"/> is
/// when it was first found unreachable (null while reachable), <see cref="Checked"/> false before the first try.
/// </summary>
public sealed record JobQueueState(string Endpoint, bool Checked, DateTime? UnreachableSinceUtc, string? Error)
{
    public bool Unreachable => UnreachableSinceUtc is not null;
}

/// <summary>
/// Training:Mode = Workers: watches the job queue's PostgreSQL in the background, so that the dashboard starts, serves
/// and stops whether or not it is up (decision 0026). Every <see cref="WorkersOptions.JobQueueCheckSeconds"/> it opens
/// a connection and asks for one row; the first time that works it prepares Hangfire's schema (which the storage
/// itself is told not to do, as that blocked the start for 31 s), and each time it works it hands the runs that were
/// queued meanwhile (<see cref="Run.AwaitsJobQueue"/>) to Hangfire. Registered as a singleton and as the hosted
/// service, so the Status and Workers pages read its state.
/// </summary>
public sealed class JobQueueHealth(IOptions<JobQueueOptions> queue, IOptions<TrainingOptions> training, IOptions<WorkersOptions> options,
    RunStore store, IServiceProvider services, TimeProvider clock, ILogger<JobQueueHealth> logger) : BackgroundService
{
    private readonly Lock _lock = new(), _schemaLock = new();
    private volatile bool _schemaReady;
    private JobQueueState? _state;

    /// <summary>Null in InProcess mode (nothing to reach).</summary>
    public JobQueueState? State
    {
        get
        {
            if (training.Value.Mode != TrainingMode.Workers) return null;
            lock (_lock) return _state ??= new JobQueueState(queue.Value.Endpoint(), false, null, null);
        }
    }

    /// <summary>Records that a use of the queue just failed (a launch that could not be handed over): unreachable from now, if not already.</summary>
    public void Failed(Exception e) => Set(reachable: false, e);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (training.Value.Mode != TrainingMode.Workers) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.JobQueueCheckSeconds), clock);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A run that could not be handed over stays AwaitsJobQueue and is tried again at the next check.
                logger.LogError(e, "The job queue check failed; it is tried again in {Seconds} s", options.Value.JobQueueCheckSeconds);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One pass: reach PostgreSQL, prepare the schema the first time, hand over the runs that wait.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(queue.Value.EffectiveConnectionString());
            await connection.OpenAsync(cancellationToken);
            await using (var probe = new NpgsqlCommand("SELECT 1", connection))
                await probe.ExecuteScalarAsync(cancellationToken);
            PrepareSchema(connection);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException
                                      || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Set(reachable: false, e);
            return;
        }
        Set(reachable: true, null);
        HandOver();
    }

    /// <summary>
    /// For a launch that comes before the first check prepared the schema (seconds after the start): prepares it now,
    /// so that the run's job can be written. False when PostgreSQL cannot be reached (recorded in <see cref="State"/>).
    /// Synchronous, as the launch is: a connect is bounded by <c>JobQueue:ConnectTimeout</c>.
    /// </summary>
    public bool PrepareNow()
    {
        if (_schemaReady) return true;
        try
        {
            using var connection = new NpgsqlConnection(queue.Value.EffectiveConnectionString());
            connection.Open();
            PrepareSchema(connection);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            Set(reachable: false, e);
            return false;
        }
        Set(reachable: true, null);
        return true;
    }

    private void PrepareSchema(NpgsqlConnection connection)
    {
        // Once per process, and never two at once: the installer's serializable transactions would fail each other.
        lock (_schemaLock)
        {
            if (_schemaReady) return;
            // Hangfire.PostgreSql's own installer, as PrepareSchemaIfNecessary would run it; idempotent.
            PostgreSqlObjectsInstaller.Install(connection, queue.Value.StorageOptions().SchemaName);
            _schemaReady = true;
        }
    }

    /// <summary>Hands every run queued while PostgreSQL was unreachable to Hangfire, oldest first; stops at the first failure.</summary>
    private void HandOver()
    {
        var waiting = store.AwaitingJobQueue();
        if (waiting.Count == 0) return;
        // Resolved here, not injected: HangfireRunner reports its failures to this class.
        var runner = services.GetRequiredService<HangfireRunner>();
        var handed = 0;
        foreach (var run in waiting)
        {
            if (!runner.TryHandOver(run.Id)) break;
            handed++;
        }
        logger.LogInformation("Handed {Count} of {Waiting} run(s) queued while the job queue was unreachable to the workers", handed, waiting.Count);
    }

    private void Set(bool reachable, Exception? error)
    {
        JobQueueState next;
        bool changed;
        // Set from the check loop and from requests whose hand-over failed.
        lock (_lock)
        {
            var current = _state ?? new JobQueueState(queue.Value.Endpoint(), false, null, null);
            next = reachable
                ? current with { Checked = true, UnreachableSinceUtc = null, Error = null }
                : current with { Checked = true, UnreachableSinceUtc = current.UnreachableSinceUtc ?? clock.GetUtcNow().UtcDateTime, Error = Describe(error!) };
            changed = current.Unreachable != next.Unreachable || !current.Checked;
            _state = next;
        }
        // Only the changes are logged: the Status and Workers pages read State every few seconds.
        if (!changed) return;
        if (next.Unreachable)
            logger.LogWarning("The workers' job queue (PostgreSQL at {Endpoint}) is unreachable: {Error}. Runs launched now stay Queued here and are handed over when it is back", next.Endpoint, next.Error);
        else
            logger.LogInformation("The workers' job queue (PostgreSQL at {Endpoint}) is reachable", next.Endpoint);
    }

    /// <summary>The innermost message that says what happened (Npgsql wraps the socket's).</summary>
    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is not System.Net.Sockets.SocketException) inner = inner.InnerException;
        return inner == e ? e.Message : $"{e.Message} ({inner.Message})";
    }
}
