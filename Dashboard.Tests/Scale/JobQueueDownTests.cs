using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Jobs;
using Dashboard.Tests.Support;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Xunit.Abstractions;

namespace Dashboard.Tests.Scale;

/// <summary>
/// A real dashboard process in Training:Mode = Workers whose job queue's PostgreSQL is not there (a closed port of
/// 127.0.0.1): it serves at once, says the queue is unreachable, keeps a launched run Queued, and stops promptly; and
/// once a real PostgreSQL starts on that port it reconnects by itself and hands the run to Hangfire (decision 0026).
/// The deadlines are correctness bounds for a loaded 2-core machine, not benchmarks (docs/reliability.md has the times).
/// </summary>
public sealed class JobQueueDownTests(ITestOutputHelper output)
{
    // Before the fix the start took 31 s (Hangfire.PostgreSql's start-up retries) and a stop during it 30 s.
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(15);
    private static readonly object QuickConfig = new { epochs = 1, trainSubset = 1000 };

    [Fact]
    public async Task ServesSaysTheJobQueueIsUnreachableKeepsALaunchQueuedAndStopsPromptly()
    {
        using var data = new TempDirectory();
        var port = PostgresServer.FreePort();
        var started = Stopwatch.StartNew();
        await using var dashboard = await DashboardProcess.StartAsync(data.Path, WorkersMode(port), StartDeadline);
        output.WriteLine($"serving {started.Elapsed.TotalSeconds:F1} s after the start with PostgreSQL unreachable");
        using var http = dashboard.CreateHttpClient();

        var queue = await WaitForJobQueueAsync(http, unreachable: true, TimeSpan.FromSeconds(15), dashboard);
        Assert.Equal($"127.0.0.1:{port}", queue.GetProperty("endpoint").GetString());
        Assert.Contains("refused", queue.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);

        var launch = Stopwatch.StartNew();
        var run = await LaunchAsync(http, "launched while PostgreSQL is down");
        output.WriteLine($"launch answered in {launch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal("Queued", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("awaitsJobQueue").GetBoolean());
        Assert.Contains($"PostgreSQL at 127.0.0.1:{port} is unreachable", run.GetProperty("statusReason").GetString());

        // The pages the operator looks at say it too (prerendered HTML).
        foreach (var page in new[] { "status", "workers" })
        {
            var html = await http.GetStringAsync(page);
            Assert.Contains("data-testid=\"job-queue-unreachable\"", html);
            Assert.Contains($"PostgreSQL at 127.0.0.1:{port}", html);
        }

        var stopping = Stopwatch.StartNew();
        dashboard.Terminate();
        var exitCode = await dashboard.WaitForExitAsync(StopDeadline);
        output.WriteLine($"stopped {stopping.Elapsed.TotalSeconds:F1} s after SIGTERM");
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM. It printed:\n{dashboard.Output}");
    }

    [Fact]
    public async Task ReconnectsWhenPostgresComesUpAndHandsOverTheRunQueuedMeanwhile()
    {
        using var data = new TempDirectory();
        var port = PostgresServer.FreePort();
        await using var dashboard = await DashboardProcess.StartAsync(data.Path, WorkersMode(port), StartDeadline);
        using var http = dashboard.CreateHttpClient();
        await WaitForJobQueueAsync(http, unreachable: true, TimeSpan.FromSeconds(15), dashboard);
        var runId = (await LaunchAsync(http, "waits for the job queue")).GetProperty("id").GetGuid();

        await using var postgres = await PostgresServer.StartAsync(port);
        var up = Stopwatch.StartNew();
        await WaitForJobQueueAsync(http, unreachable: false, TimeSpan.FromSeconds(30), dashboard);
        output.WriteLine($"the dashboard found PostgreSQL {up.Elapsed.TotalSeconds:F1} s after it started accepting connections");

        var run = await WaitForRunAsync(http, runId, r => !r.GetProperty("awaitsJobQueue").GetBoolean(), TimeSpan.FromSeconds(30), "handed to the job queue");
        Assert.Equal("Queued", run.GetProperty("status").GetString());
        // Exactly one job for the run, on the cpu queue where a worker would fetch it.
        var enqueued = Storage(postgres).GetMonitoringApi().EnqueuedJobs("cpu", 0, 100)
            .Select(j => j.Value.Job).Where(j => j?.Type == typeof(ITrainRunJob)).ToList();
        Assert.Equal([runId], enqueued.Select(j => (Guid)j!.Args[0]));

        var html = await http.GetStringAsync("status");
        Assert.DoesNotContain("job-queue-unreachable", html);
        Assert.Contains("reachable.", html);

        // Down again while the dashboard is connected (its pooled connections die): a launch is still answered at once.
        await postgres.StopAsync();
        var launch = Stopwatch.StartNew();
        var second = await LaunchAsync(http, "launched after PostgreSQL stopped");
        output.WriteLine($"a launch just after PostgreSQL stopped answered in {launch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(launch.Elapsed < TimeSpan.FromSeconds(10), $"the launch took {launch.Elapsed}");
        Assert.True(second.GetProperty("awaitsJobQueue").GetBoolean(), $"the run was not kept waiting: {second}");
        await postgres.StartAgainAsync();
        var secondId = second.GetProperty("id").GetGuid();
        await WaitForRunAsync(http, secondId, r => !r.GetProperty("awaitsJobQueue").GetBoolean(), TimeSpan.FromSeconds(30), "handed to the job queue");
        enqueued = Storage(postgres).GetMonitoringApi().EnqueuedJobs("cpu", 0, 100)
            .Select(j => j.Value.Job).Where(j => j?.Type == typeof(ITrainRunJob)).ToList();
        Assert.Equal(new[] { runId, secondId }.Order(), enqueued.Select(j => (Guid)j!.Args[0]).Order());
    }

    [Fact]
    public async Task ABadJobQueueSettingStopsTheStartWithItsName()
    {
        using var data = new TempDirectory();
        var settings = WorkersMode(PostgresServer.FreePort());
        settings["JobQueue__ConnectTimeout"] = "00:10:00";
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => DashboardProcess.StartAsync(data.Path, settings, StartDeadline));
        Assert.Contains("ConnectTimeout", refused.Message);
    }

    private static Dictionary<string, string?> WorkersMode(int port) => new()
    {
        ["Training__Mode"] = "Workers",
        ["ConnectionStrings__Hangfire"] = $"Host=127.0.0.1;Port={port};Database={PostgresServer.Database};Username={PostgresServer.User}",
        ["Workers__JobQueueCheckSeconds"] = "1",
    };

    private static PostgreSqlStorage Storage(PostgresServer postgres)
    {
        var options = new JobQueueOptions { ConnectionString = postgres.ConnectionString }.StorageOptions(prepareSchema: false);
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(postgres.ConnectionString, options), options);
    }

    private static async Task<JsonElement> LaunchAsync(HttpClient http, string name)
    {
        using var response = await http.PostAsJsonAsync("api/runs", new { name, config = QuickConfig });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"launch answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> WaitForJobQueueAsync(HttpClient http, bool unreachable, TimeSpan timeout, DashboardProcess dashboard)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (true)
        {
            var status = JsonDocument.Parse(last = await http.GetStringAsync("api/status")).RootElement;
            if (status.GetProperty("jobQueue") is { ValueKind: JsonValueKind.Object } queue
                && queue.GetProperty("checked").GetBoolean() && queue.GetProperty("unreachable").GetBoolean() == unreachable)
                return queue.Clone();
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting for the job queue to be {(unreachable ? "unreachable" : "reachable")}; last status: {last}\nThe dashboard printed:\n{dashboard.Output}");
            await Task.Delay(200);
        }
    }

    private static async Task<JsonElement> WaitForRunAsync(HttpClient http, Guid id, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var body = await http.GetStringAsync($"api/runs/{id}");
            var run = JsonDocument.Parse(body).RootElement.Clone();
            if (condition(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting until the run is {what}; it is: {body}");
            await Task.Delay(200);
        }
    }
}
