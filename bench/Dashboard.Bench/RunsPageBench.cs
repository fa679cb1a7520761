using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dashboard.Bench.Harness;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Dashboard.Bench;

/// <summary>
/// Seeds a database with many realistic runs, starts the real dashboard on it and times the first page
/// of runs three ways: the store query, the REST API, and the runs page in headless Chromium.
/// </summary>
internal static class RunsPageBench
{
    public static async Task<int> RunAsync(Arguments a)
    {
        var count = a.Int("count") ?? 10_000;
        var repeat = a.Int("repeat") ?? 20;
        var dir = Directory.CreateTempSubdirectory("dashboard-runs-bench-").FullName;
        var dbPath = Path.Combine(dir, "dashboard.db");
        var seedClock = Stopwatch.StartNew();
        Seed(dbPath, count);
        Console.WriteLine($"seeded {count:N0} runs in {seedClock.Elapsed.TotalSeconds:F1} s ({new FileInfo(dbPath).Length / 1e6:F1} MB)");

        using (var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = dbPath }), NullLogger<RunStore>.Instance))
        {
            var cold = Stopwatch.StartNew();
            store.Query(new RunQuery());
            Console.WriteLine($"store, first page after open: {cold.Elapsed.TotalMilliseconds:F1} ms");
            Report("store, newest first", repeat, () => store.Query(new RunQuery()));
            Report("store, by accuracy", repeat, () => store.Query(new RunQuery { SortBy = RunFields.Accuracy }));
            Report("store, completed + name contains, by batch size", repeat, () => store.Query(new RunQuery
            {
                SortBy = RunFields.BatchSize,
                Filters = [new RunFilter(RunFields.Status, FilterMatch.Equal, RunStatus.Completed), new RunFilter(RunFields.Name, FilterMatch.Contains, "b64")],
            }));
        }

        await using var dashboard = await DashboardInBrowser.StartAsync(dbPath);
        var (baseUrl, http, browser) = (dashboard.BaseUrl, dashboard.Http, dashboard.Browser);
        await ReportAsync("API GET /api/runs (first page)", repeat, async () => (await http.GetAsync("api/runs?take=25")).EnsureSuccessStatusCode());

        var times = new List<double>();
        for (var i = 0; i < Math.Min(repeat, 10); i++)
        {
            var page = await browser.NewPageAsync();
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(baseUrl + "runs");
            // The grid's rows come from the server after the circuit connects; wait for a run link in a data row.
            await page.Locator("table tbody tr td a").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            times.Add(clock.Elapsed.TotalMilliseconds);
            await page.CloseAsync();
        }
        Print("browser: open /runs until the first rows show", times);
        await dashboard.DisposeAsync();
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static void Seed(string dbPath, int count)
    {
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = dbPath }), NullLogger<RunStore>.Instance);
        var random = new Random(1);
        var statuses = new[] { RunStatus.Completed, RunStatus.Completed, RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Diverged };
        var batches = new[] { 32, 64, 128, 256 };
        var rates = new[] { 1e-4, 1e-3, 1e-2, 1e-1 };
        var start = DateTime.UtcNow.AddDays(-100);
        for (var chunk = 0; chunk < count; chunk += 1000)
        {
            var runs = Enumerable.Range(chunk, Math.Min(1000, count - chunk)).Select(i =>
            {
                var config = TrainingConfig.ReportControl with { BatchSize = batches[i % 4], LearningRate = rates[(i / 4) % 4], Epochs = 5 + i % 11, Seed = i };
                var counts = Enumerable.Range(0, 10).Select(t => Enumerable.Range(0, 10).Select(p => t == p ? 850 + random.Next(140) : random.Next(12)).ToArray()).ToArray();
                var confusion = new ConfusionMatrix(counts);
                var report = ClassificationReport.From(confusion, FashionMnist.ClassNames);
                var status = statuses[i % statuses.Length];
                return new Run
                {
                    Id = Guid.NewGuid(),
                    Name = RunStore.DefaultName(config) + $" #{i}",
                    Config = config,
                    Status = status,
                    CreatedUtc = start.AddMinutes(i * 10),
                    FinishedUtc = start.AddMinutes(i * 10 + 5),
                    Epochs = Enumerable.Range(1, config.Epochs).Select(e => new EpochMetrics(e, 1.0 / e, 1.1 / e, 0.8 + e / 100.0, 20, 3000)).ToList(),
                    Report = status == RunStatus.Completed ? report : null,
                    Confusion = status == RunStatus.Completed ? confusion : null,
                    Accuracy = status == RunStatus.Completed ? report.Accuracy : null,
                    MacroF1 = status == RunStatus.Completed ? report.MacroAverage.F1 : null,
                    TrainingSeconds = 20.0 * config.Epochs,
                };
            });
            store.InsertMany(runs);
        }
    }

    internal static Process StartDashboard(string dbPath, int port)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Dashboard.Web.dll");
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            // The content root is the web project's output folder next to this benchmark.
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["Storage__DatabasePath"] = dbPath;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("web: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitUntilUpAsync(HttpClient http)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync("api/models")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The dashboard did not start within 30 s.");
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void Report(string name, int repeat, Action action)
    {
        action(); // warm-up
        var times = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        Print(name, times);
    }

    private static async Task ReportAsync(string name, int repeat, Func<Task> action)
    {
        await action();
        var times = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            await action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        Print(name, times);
    }

    internal static void Print(string name, List<double> times)
    {
        times.Sort();
        Console.WriteLine($"{name}: median {times[times.Count / 2]:F1} ms, max {times[^1]:F1} ms (n={times.Count})");
    }
}
