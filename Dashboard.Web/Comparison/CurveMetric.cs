using Dashboard.Training;

namespace Dashboard.Web.Comparison;

/// <summary>The per-epoch curves the report plots.</summary>
public enum CurveMetric
{
    TrainLoss,
    TestLoss,
    TestAccuracy,
}

/// <summary>One line of an overlay chart: a run's values per epoch as [epoch, value] points.</summary>
public sealed record CurveSeries(string Name, string Color, IReadOnlyList<double[]> Points);

/// <summary>One run's epochs, named and coloured for a chart.</summary>
public sealed record CurveInput(string Name, string Color, IReadOnlyList<EpochMetrics> Epochs);

public static class CurveMetrics
{
    public static IReadOnlyList<CurveMetric> All { get; } = Enum.GetValues<CurveMetric>();

    public static string Title(CurveMetric m) => m switch
    {
        CurveMetric.TrainLoss => "Training loss",
        CurveMetric.TestLoss => "Test loss",
        _ => "Test accuracy",
    };

    /// <summary>A y-axis label format understood by ApexChart.razor.js.</summary>
    public static string Format(CurveMetric m) => m == CurveMetric.TestAccuracy ? "percent:1" : "trim:3";

    public static double Value(EpochMetrics e, CurveMetric m) => m switch
    {
        CurveMetric.TrainLoss => e.TrainLoss,
        CurveMetric.TestLoss => e.TestLoss,
        _ => e.TestAccuracy,
    };

    /// <summary>
    /// One series per input, in input order, sorted by epoch. Runs of different lengths simply end at
    /// different x; a diverged epoch's NaN is left out (JSON cannot carry it and a chart cannot draw it).
    /// </summary>
    public static IReadOnlyList<CurveSeries> Series(IEnumerable<CurveInput> inputs, CurveMetric metric) =>
        inputs.Select(i => new CurveSeries(i.Name, i.Color, i.Epochs
            .OrderBy(e => e.Epoch)
            .Select(e => (e.Epoch, Value: Value(e, metric)))
            .Where(p => double.IsFinite(p.Value))
            .Select(p => new[] { p.Epoch, p.Value })
            .ToList())).ToList();
}

/// <summary>Colours for up to ten lines, told apart also by colour-blind readers (Tableau 10).</summary>
public static class RunPalette
{
    public static IReadOnlyList<string> Colors { get; } =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static string At(int index) => Colors[index % Colors.Count];
}
