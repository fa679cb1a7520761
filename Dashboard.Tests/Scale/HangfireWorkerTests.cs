using System.Diagnostics;
using Dashboard.Tests.Support;
using Dashboard.Jobs;
using Dashboard.Worker;
using Dashboard.Worker.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Npgsql;
using Xunit.Abstractions;

namespace Dashboard.Tests.Scale;

/// <summary>
/// Training workers through Hangfire on a real PostgreSQL (<see cref="PostgresServer"/>) and real worker processes:
/// a job enqueued with Hangfire's client is run by a worker, survives the worker's kill -9 and PostgreSQL's restart.
/// </summary>
public sealed class HangfireWorkerTests(ITestOutputHelper output)
{
    // Short so that a hand-over takes seconds here; the default is 30 s (docs/decisions/0020). A live worker renews
    // its job every fifth of it, on a 1 s tick (so every 2 s here): 8 s forgives a 6 s stall of a loaded machine.
    private static readonly TimeSpan Invisibility = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan WorkerStart = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LongHold = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task KilledWorkersJobIsTakenOverByAnotherWorkerAndRunsOnce()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var (jobs, storage) = Client(postgres);
        await using var database = Observer(postgres);
        await using var first = StartWorker("worker-a", postgres);
        await first.WaitUntilServingAsync(WorkerStart);

        var probe = "probe-" + Guid.NewGuid().ToString("N");
        var jobId = jobs.Enqueue<ProbeJob>("cpu", job => job.RunAsync(probe, LongHold, CancellationToken.None));
        await WaitForAsync(database, probe, (ProbeJob.Started, first.Identity), TimeSpan.FromSeconds(30), first);

        await using var second = StartWorker("worker-b", postgres);
        await second.WaitUntilServingAsync(WorkerStart);
        // Longer than the invisibility timeout with a second worker polling: a live worker keeps its job however long it runs.
        await Task.Delay(1.5 * Invisibility);
        Assert.Equal([(ProbeJob.Started, first.Identity)], await ProbeJob.HistoryAsync(database, probe));

        await first.KillAsync();
        var sinceKill = Stopwatch.StartNew();
        await WaitForAsync(database, probe, (ProbeJob.Started, second.Identity), Invisibility + TimeSpan.FromSeconds(30), first, second);
        output.WriteLine($"worker-b took the job {sinceKill.Elapsed.TotalSeconds:F1} s after worker-a's kill -9 (invisibility timeout {Invisibility.TotalSeconds:F0} s)");
        // The last renewal came up to one renewal period (2 s) before the kill.
        Assert.True(sinceKill.Elapsed >= Invisibility / 2, $"taken over {sinceKill.Elapsed} after the kill, sooner than the invisibility timeout allows");

        await ProbeJob.ReleaseAsync(database, probe);
        await WaitForAsync(database, probe, (ProbeJob.Finished, second.Identity), TimeSpan.FromSeconds(30), second);
        await WaitForStateAsync(storage, jobId, "Succeeded", TimeSpan.FromSeconds(30));
        Assert.Equal(
            [(ProbeJob.Started, first.Identity), (ProbeJob.Started, second.Identity), (ProbeJob.Released, ""), (ProbeJob.Finished, second.Identity)],
            await ProbeJob.HistoryAsync(database, probe));
    }

    [Fact]
    public async Task QueuedJobSurvivesPostgresRestartAndWorkersReconnectByThemselves()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var (jobs, storage) = Client(postgres);
        var queuedBefore = "probe-" + Guid.NewGuid().ToString("N");
        var queuedBeforeId = jobs.Enqueue<ProbeJob>("cpu", job => job.RunAsync(queuedBefore, TimeSpan.Zero, CancellationToken.None));

        await postgres.RestartAsync(immediate: true);
        await using var database = Observer(postgres);
        await using var worker = StartWorker("worker-a", postgres);
        await WaitForAsync(database, queuedBefore, (ProbeJob.Finished, worker.Identity), WorkerStart, worker);
        await WaitForStateAsync(storage, queuedBeforeId, "Succeeded", TimeSpan.FromSeconds(30));

        // Now the worker is connected when the server goes down, and must find its way back alone.
        await postgres.RestartAsync(immediate: true);
        var sinceRestart = Stopwatch.StartNew();
        var queuedAfter = "probe-" + Guid.NewGuid().ToString("N");
        var queuedAfterId = jobs.Enqueue<ProbeJob>("cpu", job => job.RunAsync(queuedAfter, TimeSpan.Zero, CancellationToken.None));
        await WaitForAsync(database, queuedAfter, (ProbeJob.Finished, worker.Identity), TimeSpan.FromSeconds(60), worker);
        output.WriteLine($"a job enqueued after PostgreSQL's restart ran {sinceRestart.Elapsed.TotalSeconds:F1} s after the restart on the worker that was connected before it");
        await WaitForStateAsync(storage, queuedAfterId, "Succeeded", TimeSpan.FromSeconds(30));

        Assert.Equal([(ProbeJob.Started, worker.Identity), (ProbeJob.Finished, worker.Identity)], await ProbeJob.HistoryAsync(database, queuedBefore));
        Assert.Equal([(ProbeJob.Started, worker.Identity), (ProbeJob.Finished, worker.Identity)], await ProbeJob.HistoryAsync(database, queuedAfter));
    }

    /// <summary>The test's own reads and writes of the probe table, on fresh connections, so that a restart does not break them.</summary>
    private static NpgsqlDataSource Observer(PostgresServer postgres) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Pooling = false }.ConnectionString);

    [Theory]
    [InlineData("ConnectionStrings__Hangfire", "", "ConnectionStrings:Hangfire is not set")]
    [InlineData("ConnectionStrings__Hangfire", "Host=127.0.0.1;Colour=blue", "ConnectionStrings:Hangfire is not a valid PostgreSQL connection string")]
    [InlineData("Worker__Slots", "0", "Worker:Slots must be between 1 and 64")]
    [InlineData("Worker__DashboardUrl", "", "Worker:DashboardUrl is required")]
    [InlineData("Worker__DashboardUrl", "ftp://dashboard/", "Worker:DashboardUrl \"ftp://dashboard/\" must be an absolute http or https address")]
    [InlineData("Worker__Queues__0", "GPU", "Worker:Queues has \"GPU\"")]
    public async Task WorkerWithABadSettingStopsAtStartAndNamesIt(string key, string value, string message)
    {
        // Port 1 of loopback: nothing answers there, and a bad setting must stop the worker before it connects at all.
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = "Host=127.0.0.1;Port=1;Username=dash",
            ["Worker__DashboardUrl"] = "http://127.0.0.1:9/",
            [key] = value,
        };
        await using var worker = WorkerProcess.Start("worker-bad", settings);
        var exitCode = await worker.WaitForExitAsync(WorkerStart);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, worker.Output, StringComparison.Ordinal);
    }

    private static JobQueueOptions QueueOptions(PostgresServer postgres) => new()
    {
        ConnectionString = postgres.ConnectionString,
        InvisibilityTimeout = Invisibility,
        QueuePollInterval = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>The test's side of the queue, configured by the same code as the workers'.</summary>
    private static (IBackgroundJobClient Jobs, PostgreSqlStorage Storage) Client(PostgresServer postgres)
    {
        var storage = GlobalConfiguration.Configuration.UseDashboardQueue(QueueOptions(postgres)).Entry;
        return (new BackgroundJobClient(storage), storage);
    }

    private static WorkerProcess StartWorker(string name, PostgresServer postgres)
    {
        var queue = QueueOptions(postgres);
        return WorkerProcess.Start(name, new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = queue.ConnectionString!,
            ["JobQueue__InvisibilityTimeout"] = queue.InvisibilityTimeout.ToString(),
            ["JobQueue__QueuePollInterval"] = queue.QueuePollInterval.ToString(),
            ["Worker__Queues__0"] = "cpu",
            ["Worker__Slots"] = "1",
            // No dashboard here: these workers only run probe jobs; their heartbeats to it fail and are only logged.
            ["Worker__DashboardUrl"] = "http://127.0.0.1:9/",
            ["Worker__HeartbeatInterval"] = "00:00:02",
            ["Worker__ServerTimeout"] = "00:00:10",
        });
    }

    private static async Task WaitForAsync(NpgsqlDataSource database, string probe, (string Stage, string Worker) entry, TimeSpan timeout, params WorkerProcess[] workers)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<(string Stage, string Worker)> history = [];
        while (DateTime.UtcNow < deadline)
        {
            history = await ProbeJob.HistoryAsync(database, probe);
            if (history.Contains(entry)) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting for {entry.Stage} by {entry.Worker}; {probe} has: [{string.Join(", ", history)}]."
            + string.Concat(workers.Select(w => $"\n--- {w.Name} printed:\n{w.Tail()}")));
    }

    private static async Task WaitForStateAsync(PostgreSqlStorage storage, string jobId, string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? seen = null;
        while (DateTime.UtcNow < deadline)
        {
            using (var connection = storage.GetConnection()) seen = connection.GetStateData(jobId)?.Name;
            if (seen == state) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting for job {jobId} to be {state}; it is {seen ?? "in no state"}.");
    }
}
