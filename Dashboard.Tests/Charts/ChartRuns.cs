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

    /// <summary>
    /// <paramref name="run"/> with per-class scores (class k near 0.5 + 0.04·k, rising over epochs, with noise) and the
    /// process's CPU and memory per epoch, as runs trained since issue 14 keep them.
    /// </summary>
    public static Run WithFigures(Run run, int seed)
    {
        var random = new Random(seed);
        double Noise(double size) => (random.NextDouble() - 0.5) * 2 * size;
        double[] Scores(int epoch, double offset) =>
            [.. Enumerable.Range(0, 10).Select(k => Math.Clamp(0.45 + 0.04 * k + offset + 0.1 * (1 - Math.Exp(-epoch / 4.0)) + Noise(0.03), 0, 1))];
        return run with
        {
            Epochs = [.. run.Epochs.Select(e => e with
            {
                PerClass = new Dashboard.Training.Evaluation.ClassScores(Scores(e.Epoch, 0), Scores(e.Epoch, 0.01), Scores(e.Epoch, 0.005)),
                CpuPercent = 160 + Noise(25),
                ResidentBytes = (long)((850 + 3 * e.Epoch + Noise(15)) * 1e6),
                ImagesPerSecond = 3000 + Noise(250),
            })],
        };
    }
}
