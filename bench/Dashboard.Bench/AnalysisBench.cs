using System.Diagnostics;
using System.Globalization;
using Dashboard.Bench.Harness;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Schedules;
using Dashboard.Web.Analysis;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Dashboard.Bench;

/// <summary>
/// "Which settings matter" over many stored runs: seeds synthetic finished runs (realistic settings and documents,
/// no training) in a temp LiteDB, times the store read, the table and the importance in .NET, then opens /analysis of
/// the real dashboard in headless Chromium and times, from the moment the page's data reaches the browser
/// (performance mark "analysis:data"), the parallel-coordinates chart drawn and the importance shown.
/// </summary>
internal static class AnalysisBench
{
    public static async Task<int> RunAsync(Arguments a)
    {
        var count = a.Int("runs") ?? 2_000;
        var loads = a.Int("loads") ?? 5;
        var dir = Directory.CreateTempSubdirectory("dashboard-analysis-bench-").FullName;
        var dbPath = Path.Combine(dir, "dashboard.db");
        Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {WorkersReport.Cpu()}; {WorkersReport.VectorFlags()}; load average {WorkersReport.LoadAverage()}");
        try
        {
            var seedClock = Stopwatch.StartNew();
            Seed(dbPath, count);
            Console.WriteLine($"seeded {count:N0} runs in {seedClock.Elapsed.TotalSeconds:F1} s ({new FileInfo(dbPath).Length / 1e6:F1} MB)");
            InProcess(dbPath);
            if (a.Flag("no-browser")) return 0;
            await InBrowserAsync(dbPath, loads, a.String("screenshots"));
            Console.WriteLine($"load average after: {WorkersReport.LoadAverage()}");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void InProcess(string dbPath)
    {
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = dbPath }), NullLogger<RunStore>.Instance);
        var read = Time(() => store.AnalysisRuns([], AnalysisTable.MaxRuns));
        var runs = store.AnalysisRuns([], AnalysisTable.MaxRuns);
        var build = Time(() => AnalysisTable.Build(runs));
        var table = AnalysisTable.Build(runs);
        var cold = Stopwatch.StartNew();
        var first = ParameterImportance.Compute(table, AnalysisMetrics.Accuracy);
        var coldMs = cold.Elapsed.TotalMilliseconds;
        var warm = new List<double>();
        var cpu = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (var i = 0; i < 7; i++)
        {
            self.Refresh();
            var before = self.TotalProcessorTime;
            warm.Add(ParameterImportance.Compute(table, AnalysisMetrics.Accuracy).Took.TotalMilliseconds);
            self.Refresh();
            cpu.Add((self.TotalProcessorTime - before).TotalMilliseconds);
        }
        Console.WriteLine($"table: {table.Rows.Count:N0} completed runs, {table.Settings.Count} settings that vary ({string.Join(", ", table.Settings.Select(s => s.Key))}), left out: {string.Join("; ", table.LeftOut.Select(l => $"{l.Count} {l.Why}"))}");
        RunsPageBench.Print("store: read the runs (projection)", read);
        RunsPageBench.Print("table: build", build);
        Console.WriteLine($"importance (test accuracy), first call in this process (JIT): {coldMs:F0} ms");
        RunsPageBench.Print("importance (test accuracy), warm, wall clock", warm);
        // On a shared, loaded machine the CPU time says what the computation costs; the wall clock adds the waiting.
        RunsPageBench.Print("importance (test accuracy), warm, CPU time of the process", cpu);
        Console.WriteLine($"  fit R² {first.FitR2:F3}; ranking: {string.Join(", ", first.Settings.Select(s => $"{s.Key} {s.Importance:F3}"))}");
    }

    private static List<double> Time(Action action, int repeat = 5)
    {
        action();
        return Enumerable.Range(0, repeat).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            action();
            return clock.Elapsed.TotalMilliseconds;
        }).ToList();
    }

    // Marks the moment the importance table enters the page, on the same clock as the chart module's marks.
    private const string ImportanceObserver = """
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-testid=importance-table]')) { performance.mark('analysis:importance-shown'); observer.disconnect(); }
        }).observe(document, { childList: true, subtree: true });
        """;

    private static async Task InBrowserAsync(string dbPath, int loads, string? screenshots)
    {
        await using var dashboard = await DashboardInBrowser.StartAsync(dbPath);
        var (baseUrl, browser) = (dashboard.BaseUrl, dashboard.Browser);
        var parallel = new List<double>();
        var importance = new List<double>();
        var open = new List<double>();
        for (var i = 0; i < loads; i++)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync(ImportanceObserver);
            await page.GotoAsync(baseUrl + "analysis");
            await page.Locator("[data-testid=parallel-chart][data-rendered=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await page.Locator("[data-testid=importance-table]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            var marks = await page.EvaluateAsync<Dictionary<string, double>>(
                "() => Object.fromEntries(['analysis:data', 'analysis:parallel-rendered', 'analysis:importance-shown'].map(n => [n, performance.getEntriesByName(n)[0]?.startTime ?? -1]))");
            var data = marks["analysis:data"];
            parallel.Add(marks["analysis:parallel-rendered"] - data);
            // The importance may be shown before the chart's data arrives (a cached result): that counts as 0.
            importance.Add(Math.Max(0, marks["analysis:importance-shown"] - data));
            open.Add(Math.Max(marks["analysis:parallel-rendered"], marks["analysis:importance-shown"]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"load {i + 1}: data arrived at {data:F0} ms after navigation; chart drawn +{parallel[^1]:F0} ms; importance shown +{marks["analysis:importance-shown"] - data:F0} ms"));
            if (i == 0 && screenshots is not null)
            {
                Directory.CreateDirectory(screenshots);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "analysis-2000-runs.png"), FullPage = true });
                await page.GotoAsync(baseUrl + "runs");
                await page.Locator("[data-testid=analyze]").WaitForAsync();
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "runs-toolbar.png") });
            }
            await context.CloseAsync();
        }
        Console.WriteLine("first load is a fresh dashboard (JIT, nothing cached); later loads reuse the cached importance of the same runs");
        RunsPageBench.Print("browser: data arrived → parallel coordinates drawn", parallel);
        RunsPageBench.Print("browser: data arrived → importance shown", importance);
        RunsPageBench.Print("browser: navigation → both shown", open);
    }

    private static void Seed(string dbPath, int count)
    {
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = dbPath }), NullLogger<RunStore>.Instance);
        var random = new Random(1);
        var start = DateTime.UtcNow.AddDays(-60);
        for (var chunk = 0; chunk < count; chunk += 500)
            store.InsertMany(Enumerable.Range(chunk, Math.Min(500, count - chunk)).Select(i => SyntheticRun(i, random, start)).ToList());
    }

    private static readonly string[] Models = ["SeedCnn", "BnCnn", "ResNetSmall"];
    private static readonly double[] ModelBase = [0.895, 0.91, 0.925];
    private static readonly double[] Decays = [0, 1e-5, 1e-4, 1e-3, 1e-2];
    private static readonly int[] Batches = [32, 64, 128, 256, 512];

    /// <summary>
    /// A random-search run: accuracy peaks near lr 1e-3 (Adam) or 3e-2 (SGD), grows with epochs and the model, falls with
    /// a weight decay of 1e-2, and barely depends on the batch size; too high a rate diverges. Reports are built from a
    /// confusion matrix of that accuracy, so documents have their real size.
    /// </summary>
    private static Run SyntheticRun(int i, Random random, DateTime start)
    {
        var model = random.Next(Models.Length);
        var optimizer = (OptimizerKind)random.Next(3);
        var config = TrainingConfig.ReportControl with
        {
            Model = Models[model],
            Optimizer = optimizer,
            LearningRate = Math.Pow(10, -4 + 3 * random.NextDouble()),
            WeightDecay = Decays[random.Next(Decays.Length)],
            BatchSize = Batches[random.Next(Batches.Length)],
            Epochs = 1 + random.Next(20),
            Schedule = (ScheduleKind)random.Next(4),
            HorizontalFlip = random.Next(2) == 1,
            CropPadding = 2 * random.Next(3),
            Seed = i,
        };
        var best = optimizer == OptimizerKind.Sgd ? -1.5 : -3;
        var miss = Math.Log10(config.LearningRate) - best;
        var accuracy = ModelBase[model] - 0.05 * miss * miss + 0.012 * Math.Log(config.Epochs) - (config.WeightDecay >= 1e-2 ? 0.03 : 0)
            + (config.HorizontalFlip ? 0.003 : 0) + (random.NextDouble() - 0.5) * 0.01;
        accuracy = Math.Clamp(accuracy, 0.1, 0.95);
        var status = miss > 1.6 && random.Next(2) == 0 ? RunStatus.Diverged : i % 97 == 0 ? RunStatus.Failed : i % 53 == 0 ? RunStatus.Cancelled : RunStatus.Completed;
        var confusion = Confusion(accuracy, random);
        var report = ClassificationReport.From(confusion, FashionMnist.ClassNames);
        var secondsPerEpoch = (8 + 6 * model) * (1 + 32.0 / config.BatchSize);
        var done = status == RunStatus.Completed;
        return new Run
        {
            Id = Guid.NewGuid(),
            Name = RunStore.DefaultName(config) + $" #{i}",
            Config = config,
            Status = status,
            CreatedUtc = start.AddMinutes(i * 20),
            FinishedUtc = start.AddMinutes(i * 20 + 10),
            Epochs = Enumerable.Range(1, done ? config.Epochs : Math.Max(1, config.Epochs / 2)).Select(e =>
                new EpochMetrics(e, 0.9 / e, 1.5 * (1 - accuracy) + 0.1 / e, accuracy - 0.02 / e, secondsPerEpoch, 60_000 / secondsPerEpoch)).ToList(),
            Report = done ? report : null,
            Confusion = done ? confusion : null,
            Accuracy = done ? report.Accuracy : null,
            MacroF1 = done ? report.MacroAverage.F1 : null,
            TrainingSeconds = secondsPerEpoch * config.Epochs,
        };
    }

    private static ConfusionMatrix Confusion(double accuracy, Random random)
    {
        var counts = Enumerable.Range(0, 10).Select(t =>
        {
            var row = new int[10];
            var right = (int)Math.Round(1000 * Math.Clamp(accuracy + (random.NextDouble() - 0.5) * 0.1, 0, 1));
            row[t] = right;
            for (var wrong = 1000 - right; wrong > 0; wrong--) row[(t + 1 + random.Next(9)) % 10]++;
            return row;
        }).ToArray();
        return new ConfusionMatrix(counts);
    }
}
