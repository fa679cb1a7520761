using Dashboard.Training;
using Dashboard.Web.Charts;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Comparison;

/// <summary>The per-epoch curves the report plots.</summary>
public enum CurveMetric
{
    TrainLoss,
    TestLoss,
    TestAccuracy,
}

/// <summary>One line of an overlay chart: a run's values per epoch as [epoch, value] points.</summary>
public sealed record CurveSeries(string Name, string Color, IReadOnlyList<double[]> Points)
{
    /// <summary>The same points with the training time at each, for the chart's training-time axis.</summary>
    public IReadOnlyList<EpochPoint> EpochPoints { get; init; } = [];

    /// <summary>The compare page's pinned baseline: drawn dashed.</summary>
    public bool Baseline { get; init; }

    public EpochLine Line => new(Name, Color, EpochPoints) { Dashed = Baseline };
}

/// <summary>One run's epochs, named and coloured for a chart; a baseline is drawn dashed.</summary>
public sealed record CurveInput(string Name, string Color, IReadOnlyList<EpochMetrics> Epochs, bool Baseline = false);

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

    /// <summary>The metric's y axis on a linear scale: accuracies as percentages, losses from 0.</summary>
    public static LineAxis Axis(CurveMetric m) =>
        m == CurveMetric.TestAccuracy ? new LineAxis("accuracy", Format(m)) : new LineAxis("loss", Format(m), Min: 0);

    /// <summary>Losses span scales and are positive: a log scale helps. Accuracies stay within 0–1.</summary>
    public static bool LogScaleApplies(CurveMetric m) => m != CurveMetric.TestAccuracy;

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
        inputs.Select(i =>
        {
            var points = ChartSeries.Points(i.Epochs, e => Value(e, metric));
            return new CurveSeries(i.Name, i.Color, points.Select(p => new double[] { p.Epoch, p.Value }).ToList())
            {
                EpochPoints = points,
                Baseline = i.Baseline,
            };
        }).ToList();
}

/// <summary>Colours for up to ten lines, told apart also by colour-blind readers (Tableau 10).</summary>
public static class RunPalette
{
    public static IReadOnlyList<string> Colors { get; } =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static string At(int index) => Colors[index % Colors.Count];
}
