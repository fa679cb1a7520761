using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Worker.Jobs;

/// <summary>
/// Checks a worker end to end through the queue's database: records that this worker started the probe, holds
/// its slot until the probe is released (<see cref="ReleaseAsync"/>) or <c>maxHold</c> passes, and records that it
/// finished. The fail-over tests hold it to kill its worker mid-job; later a "ping" on the Workers page.
/// </summary>
public sealed class ProbeJob(NpgsqlDataSource database, IOptions<WorkerOptions> worker, ILogger<ProbeJob> logger)
{
    public const string Table = "worker_probes";
    public const string Started = "started", Finished = "finished", Released = "released";
    private static readonly TimeSpan ReleaseCheckInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Who ran it: the worker's name and process id (a restarted worker is a different one).</summary>
    public string Identity { get; } = $"{worker.Value.DisplayName}:{Environment.ProcessId}";

    /// <summary>Hangfire passes a token that fires when the worker stops; the job then goes back to the queue.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(string probe, TimeSpan maxHold, CancellationToken cancellationToken)
    {
        await RecordAsync(database, probe, Started, Identity, cancellationToken);
        logger.LogInformation("Probe {Probe} started on {Worker}, holding its slot for up to {Hold}", probe, Identity, maxHold);
        var until = DateTime.UtcNow + maxHold;
        while (DateTime.UtcNow < until && !await IsReleasedAsync(probe, cancellationToken))
            await Task.Delay(ReleaseCheckInterval, cancellationToken);
        await RecordAsync(database, probe, Finished, Identity, cancellationToken);
        logger.LogInformation("Probe {Probe} finished on {Worker}", probe, Identity);
    }

    /// <summary>Lets a held probe finish (from any process that reaches the database).</summary>
    public static Task ReleaseAsync(NpgsqlDataSource database, string probe, CancellationToken cancellationToken = default) =>
        RecordAsync(database, probe, Released, "", cancellationToken);

    /// <summary>What has happened to <paramref name="probe"/>, oldest first: (stage, worker).</summary>
    public static Task<List<(string Stage, string Worker)>> HistoryAsync(NpgsqlDataSource database, string probe, CancellationToken cancellationToken = default) =>
        QueryAsync(database, $"SELECT stage, worker FROM {Table} WHERE probe = $1 ORDER BY at, stage", [probe], async command =>
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var history = new List<(string, string)>();
            while (await reader.ReadAsync(cancellationToken)) history.Add((reader.GetString(0), reader.GetString(1)));
            return history;
        }, cancellationToken);

    private Task<bool> IsReleasedAsync(string probe, CancellationToken cancellationToken) =>
        QueryAsync(database, $"SELECT EXISTS (SELECT 1 FROM {Table} WHERE probe = $1 AND stage = '{Released}')", [probe],
            async command => (bool)(await command.ExecuteScalarAsync(cancellationToken))!, cancellationToken);

    private static Task RecordAsync(NpgsqlDataSource database, string probe, string stage, string identity, CancellationToken cancellationToken) =>
        QueryAsync(database, $"INSERT INTO {Table} (probe, stage, worker) VALUES ($1, $2, $3)", [probe, stage, identity],
            command => command.ExecuteNonQueryAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// Runs one statement on the probe table (created on first use), again after a transient failure: Npgsql does not
    /// check pooled connections, so the first command after a PostgreSQL restart fails on a connection that died
    /// with the old server, and a retry by Hangfire would wait 15 s or more.
    /// </summary>
    private static async Task<T> QueryAsync<T>(NpgsqlDataSource database, string sql, object[] values, Func<NpgsqlCommand, Task<T>> run, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await EnsureTableAsync(database, cancellationToken);
                await using var command = database.CreateCommand(sql);
                foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
                return await run(command);
            }
            catch (NpgsqlException e) when (e.IsTransient && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellationToken);
            }
        }
    }

    private static async Task EnsureTableAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (probe text NOT NULL, stage text NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Two processes created it at the same moment; IF NOT EXISTS does not cover that race.
        }
    }
}
