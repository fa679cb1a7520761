using Dashboard.Tests.Compare;
using Dashboard.Training;
using Dashboard.Training.Schedules;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Charts;

/// <summary>Finished runs with many noisy epochs, as a long training run draws them: what smoothing and log scales are for.</summary>
internal static class ChartRuns
{
    public static Run Noisy(string name, int epochs, int seed, double secondsPerEpoch = 18, double accuracyShift = 0)
    {
        var random = new Random(seed);
        double Noise(double size) => (random.NextDouble() - 0.5) * 2 * size;
        var list = Enumerable.Range(1, epochs).Select(e => new EpochMetrics(
            e,
            TrainLoss: 0.22 + 0.7 * Math.Exp(-e / 5.0) + Noise(0.03),
            TestLoss: 0.3 + 0.55 * Math.Exp(-e / 4.0) + 0.002 * e + Noise(0.04),
            TestAccuracy: Math.Min(0.99, 0.915 + accuracyShift - 0.12 * Math.Exp(-e / 4.0) + Noise(0.008)),
            Seconds: secondsPerEpoch + Noise(2),
            ImagesPerSecond: 3000)
        {
            LearningRate = 1e-3 * 0.5 * (1 + Math.Cos(Math.PI * (e - 1) / epochs)) + 1e-6,
        }).ToList();
        var run = CompareRuns.Finished(name, CompareRuns.Fashion((6, 0, 90 - (int)(accuracyShift * 1000)), (2, 4, 80)), list.Sum(e => e.Seconds), epochs: epochs);
        return run with
        {
            Config = run.Config with { Schedule = ScheduleKind.Cosine },
            Epochs = list,
            StartedUtc = DateTime.UtcNow.AddHours(-1),
        };
    }
}
