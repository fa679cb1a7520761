using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Bench.Harness;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Studies;

namespace Dashboard.Bench;

/// <summary>
/// workers: issue 13's figures. Trains the runs of the report's study with the study builder's quick-run override
/// (<see cref="StudyBuilderModel"/>'s defaults unless --subset / --epochs say otherwise), in group order and repeated
/// up to --runs, through a real dashboard process on a real PostgreSQL with real Dashboard.Worker processes, in six
/// setups: (a) 1 worker, 1 slot × 1 thread; (b) 2 workers of 1 × 1; (c) 1 worker, 1 slot × 2 threads; (d) 1 worker,
/// 2 slots × 1 thread; (e) the dashboard alone (Training:Mode=InProcess) with 2 threads and with 1.
/// </summary>
/// <remarks>
/// Each setup gets a fresh dashboard and database and fresh workers (one PostgreSQL for all). The clock starts when
/// the workers serve their queues and the first run is posted, and stops at the last run's FinishedUtc, so start-up
/// of the processes is outside it but each process's first data load and JIT are inside. Runs are posted one by
/// one through POST /api/runs with the study planner's configs (a study queues its runs the same way, in group
/// order; posting them lets --runs go beyond or below the study's nine). With --rounds R the setups alternate
/// forward and backward so that the VM's drift falls on both sides of each ratio; ratios are medians over rounds.
/// </remarks>
internal static class WorkersBench
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private static readonly TimeSpan ProcessStart = TimeSpan.FromSeconds(90);

    /// <summary>A way to train the runs; <see cref="Workers"/> = 0 is the dashboard alone; <see cref="Bare"/>: that many plain trainer processes, no dashboard.</summary>
    internal sealed record Setup(string Key, string Label, int Workers, int Slots, int Threads, bool Bare = false)
    {
        public bool InProcess => Workers == 0;

        public bool NeedsPostgres => !InProcess && !Bare;
    }

    internal static readonly IReadOnlyList<Setup> Setups =
    [
        new("e1", "in-process, 1 thread", 0, 1, 1),
        new("a", "1 worker, 1 slot × 1 thread", 1, 1, 1),
        new("b", "2 workers, 1 slot × 1 thread each", 2, 1, 1),
        new("c", "1 worker, 1 slot × 2 threads", 1, 1, 2),
        new("d", "1 worker, 2 slots × 1 thread", 1, 2, 1),
        new("e2", "in-process, 2 threads", 0, 1, 2),
        new("t1", "1 bare trainer, 1 thread (no dashboard)", 1, 1, 1, Bare: true),
        new("t2", "2 bare trainers, 1 thread each (no dashboard)", 2, 1, 1, Bare: true),
    ];

    internal sealed record PlannedRun(string Name, TrainingConfig Config);

    internal sealed record RunTimes(Guid Id, string Name, DateTime StartedUtc, DateTime FinishedUtc, double? TrainingSeconds, string? Worker)
    {
        public double WallSeconds => (FinishedUtc - StartedUtc).TotalSeconds;
    }

    // DashboardCpuSeconds: CPU time of the dashboard's process over the wall (in-process setups: their training included);
    // IdleCpuShare: its CPU time per second while idle, just before the runs were posted.
    internal sealed record Measurement(string Setup, int Round, DateTime LaunchedUtc, double WallSeconds, IReadOnlyList<RunTimes> Runs,
        double DashboardCpuSeconds = double.NaN, double IdleCpuShare = double.NaN)
    {
        public double RunsPerHour => Runs.Count / (WallSeconds / 3600);
        public double MeanRunSeconds => Runs.Average(r => r.WallSeconds);
        public double WallPerRunSeconds => WallSeconds / Runs.Count;
        public double DashboardCpuPerRunMs => DashboardCpuSeconds * 1000 / Runs.Count;
        /// <summary>What the runs cost the dashboard beyond its idle work over the same wall.</summary>
        public double DashboardRunCpuPerRunMs => (DashboardCpuSeconds - IdleCpuShare * WallSeconds) * 1000 / Runs.Count;
    }

    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var a = Arguments.Parse(args);
        var command = string.Join(' ', ["dotnet run -c Release --project bench/Dashboard.Bench -- workers", .. args]);
        var loadBefore = WorkersReport.LoadAverage();
        var builder = new StudyBuilderModel();
        var subset = a.Int("subset") ?? builder.QuickSubset;
        var epochs = a.Int("epochs") ?? builder.QuickEpochs;
        var runs = a.Int("runs") ?? 18;
        var rounds = a.Int("rounds") ?? 1;
        var keys = a.String("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (runs is < 1 or > 500) throw new ArgumentException("--runs must be between 1 and 500 (the runs list's page).");
        if (rounds < 1) throw new ArgumentException("--rounds must be at least 1.");
        var setups = keys is null ? Setups : keys.Select(k => Setups.FirstOrDefault(s => s.Key == k) ?? throw new ArgumentException($"--only: no setup '{k}' ({string.Join(", ", Setups.Select(s => s.Key))}).")).ToList();
        var plan = Plan(runs, subset, epochs);

        Console.WriteLine($"workers: the report's quick study (quick run: {subset:N0} training images, control epochs {epochs}), {runs} runs, {rounds} round(s); setups {string.Join(", ", setups.Select(s => s.Key))}");
        var groups = plan.DistinctBy(r => r.Name).ToList();
        Console.WriteLine($"runs, in order: {string.Join("; ", groups.Select(r => $"{r.Name} ({r.Config.Epochs} ep, batch {r.Config.BatchSize})"))}{(runs > groups.Count ? "; again from the first" : "")}");

        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            // Let the finally blocks kill the child processes and remove PostgreSQL's directory.
            context.Cancel = true;
            stop.Cancel();
        }
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var measurements = new List<Measurement>();
        await using (var postgres = setups.Any(s => s.NeedsPostgres) ? await PostgresServer.StartAsync() : null)
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var setup in round % 2 == 1 ? setups : setups.Reverse())
                {
                    var m = setup.Bare
                        ? await BareTrainers.MeasureAsync(setup, round, plan, subset, epochs, stop.Token)
                        : await MeasureAsync(setup, round, plan, postgres, stop.Token);
                    measurements.Add(m);
                    Console.WriteLine($"  round {round} ({m.Setup}) {setup.Label}: {m.WallSeconds:F1} s, {m.RunsPerHour:F0} runs/h, mean run {m.MeanRunSeconds:F2} s");
                }
            }
        }

        var report = WorkersReport.Build(command, setups, measurements, subset, epochs, runs, rounds, loadBefore);
        Console.WriteLine();
        Console.WriteLine(report);
        if (a.String("json") is { } path)
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { subset, epochs, runs, rounds, measurements, report }, new JsonSerializerOptions(Json) { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return 0;
    }

    /// <summary>The study planner's runs of the report's study with the quick-run override, in group order, repeated up to <paramref name="runs"/>.</summary>
    internal static IReadOnlyList<PlannedRun> Plan(int runs, int subset, int epochs)
    {
        var design = StudyDesign.ReportStudy with { Quick = new QuickRun { TrainSubset = subset, Epochs = epochs } };
        var plan = StudyPlanner.Expand(design);
        if (!plan.IsValid) throw new ArgumentException(string.Join(" ", plan.Errors.Select(e => e.Message)));
        return Enumerable.Range(0, runs)
            .Select(i => plan.Groups[i % plan.Groups.Count])
            .Select((g, i) => new PlannedRun($"g{g.Group} {g.Label}", g.Config))
            .ToList();
    }

    private static async Task<Measurement> MeasureAsync(Setup setup, int round, IReadOnlyList<PlannedRun> plan, PostgresServer? postgres, CancellationToken cancel)
    {
        var dir = Directory.CreateTempSubdirectory("dashboard-workers-bench-");
        var workers = new List<WorkerProcess>();
        DashboardProcess? web = null;
        try
        {
            web = DashboardProcess.Start(DashboardSettings(setup, dir.FullName, postgres));
            using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            await web.WaitUntilUpAsync(http, ProcessStart);
            for (var i = 0; i < setup.Workers; i++)
                workers.Add(WorkerProcess.Start($"bench-{(char)('a' + i)}", WorkerSettings(setup, dir.FullName, web, postgres!, i)));
            foreach (var worker in workers) await worker.WaitUntilServingAsync(ProcessStart, cancel);

            // The dashboard's CPU per run shows what each report costs it, which two workers on its machine feel.
            using var dashboard = System.Diagnostics.Process.GetProcessById(web.Id);
            var idleFrom = dashboard.TotalProcessorTime;
            await Task.Delay(IdleWindow, cancel);
            dashboard.Refresh();
            var cpuBefore = dashboard.TotalProcessorTime;
            var idleShare = (cpuBefore - idleFrom) / IdleWindow;
            var launched = DateTime.UtcNow;
            var ids = new List<Guid>();
            foreach (var run in plan) ids.Add(await LaunchAsync(http, run, setup.Threads));
            var finished = await WaitForAllAsync(http, ids, web, workers, plan, cancel);
            dashboard.Refresh();
            var cpu = (dashboard.TotalProcessorTime - cpuBefore).TotalSeconds;
            var wall = (finished.Max(r => r.FinishedUtc) - launched).TotalSeconds;
            return new Measurement(setup.Key, round, launched, wall, finished, cpu, idleShare);
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
            web?.Dispose();
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static DashboardProcess.Settings DashboardSettings(Setup setup, string dir, PostgresServer? postgres)
    {
        var settings = new DashboardProcess.Settings(Path.Combine(dir, "dashboard.db"), Path.Combine(dir, "fashion-mnist"))
        {
            Extra =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Training__Mode"] = setup.InProcess ? "InProcess" : "Workers",
                // Posting the runs one by one must not meet the per-user launch limit (30 a minute).
                ["RateLimits__LaunchesPerMinute"] = "10000",
            },
        };
        if (!setup.InProcess) settings.Extra["ConnectionStrings__Hangfire"] = postgres!.ConnectionString;
        return settings;
    }

    /// <summary>A worker as the docs start one, with the shipped timings: only where it reports, its slots and threads, and its data.</summary>
    private static Dictionary<string, string> WorkerSettings(Setup setup, string dir, DashboardProcess web, PostgresServer postgres, int index) => new()
    {
        ["ConnectionStrings__Hangfire"] = postgres.ConnectionString,
        ["Worker__DashboardUrl"] = web.BaseAddress.ToString(),
        ["Worker__Slots"] = setup.Slots.ToString(CultureInfo.InvariantCulture),
        ["Worker__ThreadsPerSlot"] = setup.Threads.ToString(CultureInfo.InvariantCulture),
        ["Dataset__SystemDirectories__0"] = DashboardProcess.DefaultSystemDataset,
        ["Dataset__Directory"] = Path.Combine(dir, $"worker-{index}-data"),
        ["Dataset__AllowDownload"] = "false",
        ["Logging__LogLevel__Default"] = "Warning",
        // The line WaitUntilServingAsync looks for.
        ["Logging__LogLevel__Hangfire"] = "Information",
    };

    private static async Task<Guid> LaunchAsync(HttpClient http, PlannedRun run, int threads)
    {
        // A worker trains with its ThreadsPerSlot whatever the config says; in-process runs take the config's.
        using var response = await http.PostAsJsonAsync("api/runs", new { name = run.Name, config = run.Config with { Threads = threads } }, Json);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"POST /api/runs for {run.Name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
    }

    private static async Task<IReadOnlyList<RunTimes>> WaitForAllAsync(HttpClient http, List<Guid> ids, DashboardProcess web, List<WorkerProcess> workers, IReadOnlyList<PlannedRun> plan, CancellationToken cancel)
    {
        // Generous: a run of the quick study takes seconds; a stuck one shows in the message.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5) + plan.Sum(r => r.Config.Epochs) * TimeSpan.FromMinutes(2);
        var wanted = ids.ToHashSet();
        while (true)
        {
            var states = (await DashboardApi.ListAsync(http)).Where(r => wanted.Contains(r.Id)).ToList();
            if (states.Count == ids.Count && states.All(r => r.Status is not ("Queued" or "Running"))) break;
            if (web.HasExited) throw new InvalidOperationException($"The dashboard exited ({web.ExitCode}). Output:\n{web.Tail()}");
            if (workers.FirstOrDefault(w => w.HasExited) is { } dead) throw new InvalidOperationException($"Worker {dead.Name} exited. Output:\n{dead.Tail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not every run finished in time: {string.Join(", ", states.GroupBy(s => s.Status).Select(g => $"{g.Count()} {g.Key}"))}. Dashboard:\n{web.Tail(15)}\n"
                    + string.Join("\n", workers.Select(w => $"{w.Name}:\n{w.Tail(15)}")));
            // Seldom: the clock is the dashboard's FinishedUtc, and each poll is dashboard CPU that the workers' runs would share.
            await Task.Delay(1000, cancel);
        }
        var runs = new List<RunTimes>();
        foreach (var id in ids)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"api/runs/{id}", cancel);
            var status = run.GetProperty("status").GetString();
            if (status != "Completed")
                throw new InvalidOperationException($"Run {run.GetProperty("name").GetString()} ended {status}: {run.GetProperty("statusReason")}. Dashboard:\n{web.Tail(15)}");
            runs.Add(new RunTimes(id, run.GetProperty("name").GetString() ?? "", run.GetProperty("startedUtc").GetDateTime().ToUniversalTime(),
                run.GetProperty("finishedUtc").GetDateTime().ToUniversalTime(),
                run.TryGetProperty("trainingSeconds", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : null,
                run.TryGetProperty("worker", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null));
        }
        return runs;
    }
}
