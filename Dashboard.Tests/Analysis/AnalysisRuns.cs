using Dashboard.Training;
using Dashboard.Web.Analysis;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Analysis;

/// <summary>Synthetic finished runs for the analysis tests: settings spread over a grid, accuracy a known function of them.</summary>
internal static class AnalysisRuns
{
    public static readonly double[] Rates = [1e-4, 1e-3, 1e-2, 1e-1];
    public static readonly int[] Batches = [32, 64, 128, 256];

    /// <summary>
    /// <paramref name="count"/> completed runs whose accuracy peaks at lr 1e-3 and falls by 8 points per decade away from it,
    /// with ±0.5 points of seeded noise, and does not depend on the batch size (which is spread independently of the rate).
    /// </summary>
    public static List<AnalysisRun> LearningRateMatters(int count, int seed = 7)
    {
        var random = new Random(seed);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return Enumerable.Range(0, count).Select(i =>
        {
            var lr = Rates[random.Next(Rates.Length)];
            var config = TrainingConfig.ReportControl with { LearningRate = lr, BatchSize = Batches[random.Next(Batches.Length)] };
            var accuracy = 0.91 - 0.08 * Math.Abs(Math.Log10(lr) + 3) + (random.NextDouble() - 0.5) * 0.01;
            return Completed($"run {i}", config, accuracy, start.AddMinutes(i));
        }).ToList();
    }

    public static AnalysisRun Completed(string name, TrainingConfig config, double accuracy, DateTime? created = null) => new(
        Guid.NewGuid(), name, created ?? DateTime.UtcNow, RunStatus.Completed, config, false,
        accuracy, accuracy - 0.01, 1.2 - accuracy, 60.0 * config.Epochs);

    public static AnalysisRun WithStatus(string name, RunStatus status) => new(
        Guid.NewGuid(), name, DateTime.UtcNow, status, TrainingConfig.ReportControl, false, null, null, null, null);
}

/// <summary>Storable runs for the page and browser tests.</summary>
internal static class StoredAnalysisRuns
{
    public static Run Completed(string name, TrainingConfig config, double accuracy, DateTime created) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Config = config,
        Status = RunStatus.Completed,
        CreatedUtc = created,
        FinishedUtc = created.AddMinutes(5),
        Epochs = [new EpochMetrics(1, 0.5, 1.2 - accuracy, accuracy, 10, 3000)],
        Accuracy = accuracy,
        MacroF1 = accuracy - 0.01,
        TrainingSeconds = 60.0 * config.Epochs,
    };

    /// <summary>
    /// <paramref name="perRate"/> runs at each of <see cref="AnalysisRuns.Rates"/>, batch sizes cycling, accuracy set by the
    /// rate (best at 1e-3); the first run at 1e-3 is named <paramref name="hostileName"/> when given.
    /// </summary>
    public static List<Run> Grid(int perRate, string? hostileName = null)
    {
        var start = DateTime.UtcNow.AddDays(-1);
        var runs = new List<Run>();
        foreach (var (lr, r) in AnalysisRuns.Rates.Select((lr, r) => (lr, r)))
        {
            for (var i = 0; i < perRate; i++)
            {
                var config = TrainingConfig.ReportControl with { LearningRate = lr, BatchSize = AnalysisRuns.Batches[i % AnalysisRuns.Batches.Length] };
                var accuracy = 0.91 - 0.08 * Math.Abs(Math.Log10(lr) + 3) + 0.001 * (i % 5);
                var name = hostileName is not null && lr == 1e-3 && i == 0 ? hostileName : $"lr {lr:G} #{i}";
                runs.Add(Completed(name, config, accuracy, start.AddMinutes(runs.Count)));
            }
        }
        return runs;
    }
}
