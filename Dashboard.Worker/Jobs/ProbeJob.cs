using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Worker.Jobs;

/// <summary>
/// Checks a worker end to end: records in the queue's database that this worker started the probe, holds a slot
/// for the given time, and records that it finished. Used by the fail-over tests; later a "ping" on the Workers page.
/// </summary>
public sealed class ProbeJob(NpgsqlDataSource database, IOptions<WorkerOptions> worker, ILogger<ProbeJob> logger)
{
    public const string Table = "worker_probes";
    public const string Started = "started", Finished = "finished";

    /// <summary>Who ran it: the worker's name and process id (a restarted worker is a different one).</summary>
    public string Identity { get; } = $"{worker.Value.DisplayName}:{Environment.ProcessId}";

    /// <summary>Hangfire passes a token that fires when the worker stops; the job then goes back to the queue.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(string probe, TimeSpan hold, CancellationToken cancellationToken)
    {
        await RecordAsync(probe, Started, cancellationToken);
        logger.LogInformation("Probe {Probe} started on {Worker}, holding its slot for {Hold}", probe, Identity, hold);
        await Task.Delay(hold, cancellationToken);
        await RecordAsync(probe, Finished, cancellationToken);
        logger.LogInformation("Probe {Probe} finished on {Worker}", probe, Identity);
    }

    private async Task RecordAsync(string probe, string stage, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {Table} (probe text NOT NULL, stage text NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT now());
            INSERT INTO {Table} (probe, stage, worker) VALUES ($1, $2, $3);
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = probe });
        command.Parameters.Add(new NpgsqlParameter { Value = stage });
        command.Parameters.Add(new NpgsqlParameter { Value = Identity });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
