using Dashboard.Training;
using Dashboard.Training.Evaluation;

namespace Dashboard.Tests.Compare;

/// <summary>Epochs with per-class scores and system figures, each value telling its class, epoch and score apart.</summary>
internal static class EpochFigureRuns
{
    /// <summary>Precision 0.50 + 0.04·k + shift, recall 0.01 above it, F1 0.02 above it.</summary>
    public static ClassScores Scores(double shift) => new(
        [.. Enumerable.Range(0, 10).Select(k => 0.50 + 0.04 * k + shift)],
        [.. Enumerable.Range(0, 10).Select(k => 0.51 + 0.04 * k + shift)],
        [.. Enumerable.Range(0, 10).Select(k => 0.52 + 0.04 * k + shift)]);

    /// <summary>Epoch <paramref name="epoch"/>: scores shifted by 0.01 per epoch plus <paramref name="shift"/>, CPU 150 + epoch %, RSS (900 + epoch) MB.</summary>
    public static EpochMetrics Epoch(int epoch, double shift = 0) => new(epoch, 1.0 / epoch, 0.9 / epoch, 0.8, 10, 3000 + epoch)
    {
        PerClass = Scores(0.01 * epoch + shift),
        CpuPercent = 150 + epoch,
        ResidentBytes = (900 + epoch) * 1_000_000L,
    };

    /// <summary>The same epoch as stored before issue 14: no per-class scores, no system figures.</summary>
    public static EpochMetrics Old(int epoch) => new(epoch, 1.0 / epoch, 0.9 / epoch, 0.8, 10, 3000 + epoch);
}
