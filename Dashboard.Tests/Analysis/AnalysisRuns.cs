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
