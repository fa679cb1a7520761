using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Bench;

/// <summary>
/// Resident memory of a long-lived dashboard: starts the real dashboard (Dashboard.Web.dll from this
/// build's output) as a child process on a free loopback port with its own LiteDB file, launches small
/// runs through POST /api/runs one after another (each waited for), and samples the child's VmRSS from
/// /proc after runs 1, 10, 50, 100 and every 100th. Target (issue 11): at most 1.5 GB after 500 runs and
/// at most 5 % above the figure after 100.
/// </summary>
/// <remarks>
/// --env NAME=VALUE (repeatable as NAME=VALUE,NAME2=VALUE2) passes settings to the child, e.g. to compare
/// MALLOC_ARENA_MAX or Training__ settings; --sample N adds a sample every N runs; --smaps dumps the child's
/// /proc/PID/smaps_rollup and thread count with each sample.
/// </remarks>
internal static class MemoryBench
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static async Task<int> RunAsync(Arguments a)
    {
        var runs = a.Int("runs") ?? 500;
        var subset = a.Int("train-subset") ?? 500;
        var every = a.Int("sample");
        var datasetDir = a.String("dataset") ?? "/usr/share/datasets/fashion-mnist";
        if (runs < 1) throw new ArgumentException("--runs must be at least 1.");
        var web = Path.Combine(AppContext.BaseDirectory, "Dashboard.Web.dll");
        if (!File.Exists(web)) throw new FileNotFoundException("Dashboard.Web.dll is not next to the benchmark; build bench/Dashboard.Bench -c Release.", web);

        var dir = Directory.CreateTempSubdirectory("dashboard-memory-bench-");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [web, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Storage__DatabasePath"] = Path.Combine(dir.FullName, "dashboard.db");
        start.Environment["Dataset__Directory"] = datasetDir;
        start.Environment["Dataset__AllowDownload"] = "false";
        foreach (var pair in (a.String("env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            start.Environment[parts[0]] = parts.Length > 1 ? parts[1] : "";
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("The dashboard did not start.");
        // A benchmark stopped with Ctrl+C or kill must not leave its dashboard running.
        void KillChild(PosixSignalContext _)
        {
            try { child.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, KillChild);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, KillChild);
        var log = new List<string>();
        child.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (log) log.Add(l); };
        child.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (log) log.Add(l); };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            await WaitUntilUpAsync(http, child, log);
            Console.WriteLine($"dashboard pid {child.Id} on port {port}; {runs} runs of {subset} images, 1 epoch; RSS after start {Status(child.Id, "VmRSS:") / 1024.0:F0} MB");
            Console.WriteLine("   run    RSS MB   anon MB  threads   s/run");
            var last = clock.Elapsed;
            for (var run = 1; run <= runs; run++)
            {
                await TrainOneAsync(http, run, subset, child, log);
                if (!IsSampled(run, runs, every)) continue;
                var sample = new Sample(run, Status(child.Id, "VmRSS:") / 1024.0, Status(child.Id, "RssAnon:") / 1024.0,
                    (int)Status(child.Id, "Threads:"), clock.Elapsed.TotalSeconds, DateTime.UtcNow);
                samples.Add(sample);
                var previous = samples.Count > 1 ? samples[^2].Run : 0;
                Console.WriteLine($"{run,6} {sample.RssMb,9:F0} {sample.AnonMb,9:F0} {sample.Threads,8} {(clock.Elapsed - last).TotalSeconds / (run - previous),7:F2}");
                last = clock.Elapsed;
                if (a.Flag("smaps")) Console.WriteLine(File.ReadAllText($"/proc/{child.Id}/smaps_rollup"));
            }
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }

        var summary = Summarize(samples, runs, subset, a.String("env"));
        Console.WriteLine(summary.Verdict);
        if (a.String("json") is { } path) File.WriteAllText(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions(Json) { WriteIndented = true }));
        return 0;
    }

    private static bool IsSampled(int run, int runs, int? every) =>
        run is 1 or 10 or 50 || run % 100 == 0 || run == runs || (every is > 0 && run % every == 0);

    private static async Task TrainOneAsync(HttpClient http, int number, int subset, Process child, List<string> log)
    {
        var response = await http.PostAsJsonAsync("/api/runs", new
        {
            name = $"memory {number}",
            config = new { epochs = 1, trainSubset = subset },
        }, Json);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"POST /api/runs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var id = (await response.Content.ReadFromJsonAsync<RunState>(Json))!.Id;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var state = (await http.GetFromJsonAsync<RunState>($"/api/runs/{id}", Json))!;
            if (state.Status is not ("Queued" or "Running"))
            {
                if (state.Status != "Completed") throw new InvalidOperationException($"Run {number} ended {state.Status}: {state.StatusReason}");
                return;
            }
            if (child.HasExited) throw new InvalidOperationException($"The dashboard exited ({child.ExitCode}) during run {number}: {Tail(log)}");
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                throw new TimeoutException($"Run {number} was still {state.Status} after 5 minutes.");
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilUpAsync(HttpClient http, Process child, List<string> log)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (child.HasExited) throw new InvalidOperationException($"The dashboard exited ({child.ExitCode}) at start: {Tail(log)}");
            try
            {
                if ((await http.GetAsync("/api/runs")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"The dashboard did not answer within 2 minutes: {Tail(log)}");
            await Task.Delay(200);
        }
    }

    private static string Tail(List<string> log)
    {
        lock (log) return string.Join('\n', log.TakeLast(20));
    }

    private static MemorySummary Summarize(List<Sample> samples, int runs, int subset, string? env)
    {
        var last = samples[^1];
        var at100 = samples.FirstOrDefault(s => s.Run == 100);
        var growth = at100 is null ? (double?)null : (last.RssMb / at100.RssMb - 1) * 100;
        var verdict = $"after {last.Run} runs: {last.RssMb:F0} MB (target ≤ 1,536 MB: {(last.RssMb <= 1536 ? "met" : "NOT met")})"
            + (growth is { } g ? $"; {g:+0.0;-0.0} % since run 100 (target ≤ 5 %: {(g <= 5 ? "met" : "NOT met")})" : "");
        return new MemorySummary(runs, subset, env, File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown",
            samples, growth, verdict);
    }

    /// <summary>A field of /proc/PID/status in kB (or a count for Threads).</summary>
    private static long Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record RunState(Guid Id, string Status, string? StatusReason);

    private sealed record Sample(int Run, double RssMb, double AnonMb, int Threads, double ElapsedSeconds, DateTime Utc);

    private sealed record MemorySummary(int Runs, int TrainSubset, string? Env, string Cpu, IReadOnlyList<Sample> Samples, double? GrowthSince100Percent, string Verdict);
}
