using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Bench.Harness;
using static System.FormattableString;

namespace Dashboard.Bench;

/// <summary>
/// asha: the same search space as a full grid study and as a halving (ASHA) study, through one real dashboard process
/// on a training subset. The grid treats epochs as a hyperparameter like the others (each epochs value is its own run,
/// and every epoch of every run counts); the halving study treats epochs as the resource, up to the largest value.
/// Prints each one's best test accuracy and configuration, the gap, the epochs each spent and their ratio, the wall
/// times, the seeds and the machine. Issue 14's figure: ASHA within 0.5 pp of the grid's best for at most 35 % of its epochs.
/// </summary>
internal static class AshaBench
{
    private sealed record Space(int Subset, double[] LearningRates, double[] WeightDecays, int[] BatchSizes, int[] Epochs, int MinEpochs, int Reduction, int Seed, int Threads)
    {
        public int MaxEpochs => Epochs.Max();
        public int Combinations => LearningRates.Length * WeightDecays.Length * BatchSizes.Length;
    }

    /// <summary>A study's outcome: its best result, the epochs its runs trained and how long it took.</summary>
    private sealed record Outcome(string Name, double BestAccuracy, string BestConfig, long Epochs, int Runs, TimeSpan Wall, string Status);

    public static async Task<int> RunAsync(Arguments a)
    {
        var smoke = a.Flag("smoke");
        var space = new Space(
            Subset: a.Int("subset") ?? (smoke ? 1000 : 10_000),
            LearningRates: Doubles(a.String("lr") ?? (smoke ? "0.001,0.003" : "0.0005,0.001,0.002")),
            WeightDecays: Doubles(a.String("wd") ?? (smoke ? "0.0001" : "0,0.0001")),
            BatchSizes: [.. Doubles(a.String("batch") ?? (smoke ? "128" : "64,128")).Select(v => (int)v)],
            Epochs: [.. Doubles(a.String("epochs") ?? (smoke ? "1,2" : "3,6,9")).Select(v => (int)v)],
            MinEpochs: a.Int("min-epochs") ?? 1,
            Reduction: a.Int("reduction") ?? (smoke ? 2 : 3),
            Seed: a.Int("seed") ?? 42,
            Threads: a.Int("threads") ?? 0);
        var only = a.String("only");

        Console.WriteLine(Invariant($"asha: {space.Combinations} combinations of lr {{{Join(space.LearningRates)}}} × wd {{{Join(space.WeightDecays)}}} × batch {{{string.Join(", ", space.BatchSizes)}}}, on {space.Subset:N0} training images, seed {space.Seed}"));
        Console.WriteLine(Invariant($"  grid: × epochs {{{string.Join(", ", space.Epochs)}}} = {space.Combinations * space.Epochs.Length} runs, {space.Combinations * space.Epochs.Sum()} epochs"));
        Console.WriteLine(Invariant($"  halving: {space.Combinations} trials, r = {space.MinEpochs}, R = {space.MaxEpochs}, η = {space.Reduction}"));
        Console.WriteLine($"machine: {WorkersReport.Cpu()}, {Environment.ProcessorCount} cores; {WorkersReport.VectorFlags()}; load {WorkersReport.LoadAverage()}");

        var dir = Directory.CreateTempSubdirectory("dashboard-asha-");
        var clock = Stopwatch.StartNew();
        try
        {
            using var dashboard = DashboardProcess.Start(new DashboardProcess.Settings(Path.Combine(dir.FullName, "dashboard.db"), Path.Combine(dir.FullName, "fashion-mnist")));
            using var http = new HttpClient { BaseAddress = dashboard.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            await dashboard.WaitUntilUpAsync(http);
            var grid = only is null or "grid" ? await RunStudyAsync(http, "grid", GridDesign(space), space) : null;
            var asha = only is null or "asha" ? await RunStudyAsync(http, "asha", HalvingDesign(space), space) : null;
            Print(grid, asha, clock.Elapsed);
            if (a.String("json") is { } path)
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { space, grid, asha, machine = WorkersReport.Cpu(), vector = WorkersReport.VectorFlags(), date = DateTime.UtcNow }, new JsonSerializerOptions { WriteIndented = true }));
            return new[] { grid, asha }.OfType<Outcome>().All(o => o.Status == "Completed") ? 0 : 1;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static object Control(Space s, int epochs) => new
    {
        epochs,
        batchSize = s.BatchSizes[0],
        learningRate = s.LearningRates[0],
        weightDecay = s.WeightDecays[0],
        seed = s.Seed,
        threads = s.Threads,
    };

    private static object GridDesign(Space s) => new
    {
        name = "asha bench: grid",
        mode = "Grid",
        control = Control(s, s.Epochs[0]),
        alternatives = new { learningRates = s.LearningRates[1..], weightDecays = s.WeightDecays[1..], batchSizes = s.BatchSizes[1..], epochs = s.Epochs[1..] },
        quick = new { trainSubset = s.Subset },
    };

    private static object HalvingDesign(Space s) => new
    {
        name = "asha bench: halving",
        mode = "Halving",
        control = Control(s, s.MaxEpochs),
        alternatives = new { learningRates = s.LearningRates[1..], weightDecays = s.WeightDecays[1..], batchSizes = s.BatchSizes[1..] },
        quick = new { trainSubset = s.Subset },
        halving = new { trials = "Grid", minEpochs = s.MinEpochs, maxEpochs = s.MaxEpochs, reduction = s.Reduction },
    };

    private static async Task<Outcome> RunStudyAsync(HttpClient http, string name, object design, Space space)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("api/studies", design);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The {name} study was refused: {await response.Content.ReadAsStringAsync()}");
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        JsonElement study;
        var lastLine = "";
        while (true)
        {
            study = await http.GetFromJsonAsync<JsonElement>($"api/studies/{id}");
            var status = study.GetProperty("status").GetString();
            var progress = study.GetProperty("progress");
            var line = Invariant($"  {name}: {status}, {progress.GetProperty("finished").GetInt32()} of {progress.GetProperty("total").GetInt32()} runs finished");
            if (line != lastLine) Console.WriteLine(Invariant($"{line} ({clock.Elapsed.TotalMinutes:F1} min)"));
            lastLine = line;
            if (progress.GetProperty("isFinished").GetBoolean()) break;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        var wall = clock.Elapsed;

        // Every epoch each run trained (a stopped trial counts the epochs it had when it stopped).
        long epochs = 0;
        var members = study.GetProperty("members").EnumerateArray().ToList();
        foreach (var m in members) epochs += (await DashboardApi.GetRunAsync(http, m.GetProperty("runId").GetGuid()))?.Epochs.Count ?? 0;

        var (accuracy, config) = study.GetProperty("rungs").GetArrayLength() > 0 ? BestAtARung(study, members) : BestRun(members);
        return new Outcome(name, accuracy, config, epochs, members.Count, wall, study.GetProperty("status").GetString() ?? "");
    }

    /// <summary>The grid's best: the highest test accuracy of its runs.</summary>
    private static (double, string) BestRun(List<JsonElement> members)
    {
        var best = members.Where(m => m.GetProperty("accuracy").ValueKind == JsonValueKind.Number).MaxBy(m => m.GetProperty("accuracy").GetDouble());
        return best.ValueKind == JsonValueKind.Undefined ? (double.NaN, "none") : (best.GetProperty("accuracy").GetDouble(), Describe(best.GetProperty("config"), best.GetProperty("config").GetProperty("epochs").GetInt32()));
    }

    /// <summary>ASHA's best: the highest test accuracy any trial reached at a rung (a stopped trial's result is a full run's report too).</summary>
    private static (double, string) BestAtARung(JsonElement study, List<JsonElement> members)
    {
        var best = study.GetProperty("rungs").EnumerateArray().MaxBy(r => r.GetProperty("testAccuracy").GetDouble());
        var member = members.Single(m => m.GetProperty("group").GetInt32() == best.GetProperty("group").GetInt32());
        return (best.GetProperty("testAccuracy").GetDouble(), Describe(member.GetProperty("config"), best.GetProperty("epoch").GetInt32()));
    }

    private static string Describe(JsonElement config, int epochs) => Invariant(
        $"lr {config.GetProperty("learningRate").GetDouble():G4}, wd {config.GetProperty("weightDecay").GetDouble():G4}, batch {config.GetProperty("batchSize").GetInt32()}, {epochs} epochs");

    private static void Print(Outcome? grid, Outcome? asha, TimeSpan total)
    {
        foreach (var o in new[] { grid, asha }.OfType<Outcome>())
            Console.WriteLine(Invariant($"{o.Name}: {o.Status}; best test accuracy {o.BestAccuracy * 100:F2} % ({o.BestConfig}); {o.Epochs:N0} training epochs over {o.Runs} runs; wall {o.Wall.TotalMinutes:F1} min"));
        if (grid is not null && asha is not null)
        {
            var gap = (grid.BestAccuracy - asha.BestAccuracy) * 100;
            var ratio = (double)asha.Epochs / Math.Max(1, grid.Epochs);
            Console.WriteLine(Invariant($"gap: ASHA's best is {gap:F2} pp below the grid's (target at most 0.5 pp): {(gap <= 0.5 ? "met" : "NOT met")}"));
            Console.WriteLine(Invariant($"epochs: ASHA spent {asha.Epochs:N0} of the grid's {grid.Epochs:N0} = {ratio * 100:F1} % (target at most 35 %): {(ratio <= 0.35 ? "met" : "NOT met")}"));
        }
        Console.WriteLine(Invariant($"total wall time {total.TotalMinutes:F1} min"));
    }

    private static double[] Doubles(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];

    private static string Join(double[] values) => string.Join(", ", values.Select(v => v.ToString("G", CultureInfo.InvariantCulture)));
}
