using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Charts;

namespace Dashboard.Web.Comparison;

/// <summary>Which per-class score a chart shows.</summary>
public enum ClassMetric
{
    F1,
    Precision,
    Recall,
}

/// <summary>
/// Per-class scores over epochs (<see cref="EpochMetrics.PerClass"/>), as chart lines with each epoch's training time
/// (every epoch's seconds count, also those of epochs without scores), so the time axis places them as the curves.
/// </summary>
public static class ClassCurves
{
    public static IReadOnlyList<ClassMetric> All { get; } = Enum.GetValues<ClassMetric>();

    public static IReadOnlyList<string> ClassNames => FashionMnist.ClassNames;

    /// <summary>Said where a run has epochs but none with per-class scores.</summary>
    public const string NotRecorded = "Per-class scores are kept for every epoch only in runs trained since they were added; this run's epochs came before.";

    public static string Title(ClassMetric m) => m == ClassMetric.F1 ? "F1" : m.ToString();

    public static double[] Values(ClassScores scores, ClassMetric m) => m switch
    {
        ClassMetric.Precision => scores.Precision,
        ClassMetric.Recall => scores.Recall,
        _ => scores.F1,
    };

    public static bool AnyRecorded(IEnumerable<EpochMetrics> epochs) => epochs.Any(e => e.PerClass is not null);

    /// <summary>One run: a line per class, coloured in class order. Epochs without scores are left out.</summary>
    public static IReadOnlyList<EpochLine> PerClass(IEnumerable<EpochMetrics> epochs, ClassMetric metric)
    {
        var ordered = epochs.OrderBy(e => e.Epoch).ToList();
        return ClassNames.Select((name, k) => new EpochLine(name, RunPalette.At(k), ChartSeries.Points(ordered, e => Score(e, k, metric)))).ToList();
    }

    /// <summary>Several runs: a line per run for class <paramref name="classIndex"/>, in input order; a baseline is dashed.</summary>
    public static IReadOnlyList<EpochLine> OfClass(IEnumerable<CurveInput> inputs, int classIndex, ClassMetric metric) =>
        inputs.Select(i => new EpochLine(i.Name, i.Color, ChartSeries.Points(i.Epochs, e => Score(e, classIndex, metric))) { Dashed = i.Baseline }).ToList();

    private static double? Score(EpochMetrics e, int classIndex, ClassMetric metric) =>
        e.PerClass is { } scores && classIndex < scores.F1.Length ? Values(scores, metric)[classIndex] : null;

    /// <summary>
    /// The class whose score at each run's last scored epoch differs most between the runs: the one worth a look
    /// first. Class 0 when fewer than two runs have scores.
    /// </summary>
    public static int MostDifferent(IEnumerable<IReadOnlyList<EpochMetrics>> runs, ClassMetric metric)
    {
        var finals = runs.Select(r => Scored(r).LastOrDefault()?.PerClass).OfType<ClassScores>().Select(s => Values(s, metric)).ToList();
        if (finals.Count < 2) return 0;
        var classes = finals.Min(v => v.Length);
        return Enumerable.Range(0, classes).MaxBy(k => finals.Max(v => v[k]) - finals.Min(v => v[k]));
    }

    private static List<EpochMetrics> Scored(IEnumerable<EpochMetrics> epochs) =>
        epochs.Where(e => e.PerClass is not null).OrderBy(e => e.Epoch).ToList();
}

/// <summary>What the training process used per epoch, as chart lines.</summary>
public static class SystemCurves
{
    /// <summary>Said where a run has epochs but none with CPU and memory figures.</summary>
    public const string NotRecorded = "CPU use and memory are kept for every epoch only in runs trained since they were added; this run's epochs came before.";

    public static bool AnyRecorded(IEnumerable<EpochMetrics> epochs) => epochs.Any(e => e.CpuPercent is not null || e.ResidentBytes is not null);

    public static EpochLine ImagesPerSecond(IEnumerable<EpochMetrics> epochs, string color) =>
        Line("images/s", color, epochs, e => e.ImagesPerSecond);

    public static EpochLine CpuPercent(IEnumerable<EpochMetrics> epochs, string color) =>
        Line("CPU %", color, epochs, e => e.CpuPercent);

    public static EpochLine ResidentMegabytes(IEnumerable<EpochMetrics> epochs, string color) =>
        Line("resident MB", color, epochs, e => e.ResidentBytes / 1e6);

    // A diverged epoch's or an unrecorded figure is left out (ChartSeries.Points): JSON cannot carry NaN and a chart cannot draw it.
    private static EpochLine Line(string name, string color, IEnumerable<EpochMetrics> epochs, Func<EpochMetrics, double?> value) =>
        new(name, color, ChartSeries.Points(epochs, value));
}
