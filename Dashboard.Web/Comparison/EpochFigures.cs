using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;

namespace Dashboard.Web.Comparison;

/// <summary>Which per-class score a chart shows.</summary>
public enum ClassMetric
{
    F1,
    Precision,
    Recall,
}

/// <summary>Per-class scores over epochs (<see cref="EpochMetrics.PerClass"/>), as chart lines.</summary>
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
    public static IReadOnlyList<CurveSeries> PerClass(IEnumerable<EpochMetrics> epochs, ClassMetric metric)
    {
        var scored = Scored(epochs);
        return ClassNames.Select((name, k) => new CurveSeries(name, RunPalette.At(k),
            scored.Where(e => k < e.PerClass!.F1.Length).Select(e => new[] { e.Epoch, Values(e.PerClass!, metric)[k] }).ToList())).ToList();
    }

    /// <summary>Several runs: a line per run for class <paramref name="classIndex"/>, in input order.</summary>
    public static IReadOnlyList<CurveSeries> OfClass(IEnumerable<CurveInput> inputs, int classIndex, ClassMetric metric) =>
        inputs.Select(i => new CurveSeries(i.Name, i.Color, Scored(i.Epochs)
            .Where(e => classIndex < e.PerClass!.F1.Length)
            .Select(e => new[] { e.Epoch, Values(e.PerClass!, metric)[classIndex] }).ToList())).ToList();

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

    public static CurveSeries ImagesPerSecond(IEnumerable<EpochMetrics> epochs, string color) =>
        Line("images/s", color, epochs, e => e.ImagesPerSecond);

    public static CurveSeries CpuPercent(IEnumerable<EpochMetrics> epochs, string color) =>
        Line("CPU %", color, epochs, e => e.CpuPercent);

    public static CurveSeries ResidentMegabytes(IEnumerable<EpochMetrics> epochs, string color) =>
        Line("resident MB", color, epochs, e => e.ResidentBytes / 1e6);

    // A diverged epoch's or an unrecorded figure is left out: JSON cannot carry NaN and a chart cannot draw it.
    private static CurveSeries Line(string name, string color, IEnumerable<EpochMetrics> epochs, Func<EpochMetrics, double?> value) =>
        new(name, color, epochs.OrderBy(e => e.Epoch)
            .Select(e => (e.Epoch, Value: value(e)))
            .Where(p => p.Value is { } v && double.IsFinite(v))
            .Select(p => new[] { p.Epoch, p.Value!.Value })
            .ToList());
}
