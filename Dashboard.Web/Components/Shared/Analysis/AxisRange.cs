using System.Globalization;
using Dashboard.Web.Analysis;

namespace Dashboard.Web.Components.Shared.Analysis;

/// <summary>A range typed for one axis of the parallel-coordinates plot, in data units (as ECharts' axisAreaSelect takes them).</summary>
public sealed record AxisRange(string Key, double From, double To);

/// <summary>
/// Reads a range typed in an axis's own units: the units its ticks show (accuracy in percent, everything else as stored,
/// e.g. a learning rate as 0.001). Only number axes: a category axis is brushed with the mouse.
/// </summary>
public static class AxisRanges
{
    /// <summary>The axes a range can be typed for, in drawing order.</summary>
    public static IReadOnlyList<AnalysisColumn> Axes(AnalysisTable table, string metric) =>
        [.. AnalysisChartData.ParallelOrder(table, metric).Select(i => table.Columns[i]).Where(c => c.Kind == ValueKind.Number)];

    /// <summary>What the typed numbers are in: "%" for accuracy (as its axis shows it), "s" for seconds, else nothing.</summary>
    public static string Unit(AnalysisColumn column) => column.Key switch
    {
        AnalysisMetrics.Accuracy => "%",
        AnalysisMetrics.TrainingSeconds => "s",
        _ => "",
    };

    private static double Scale(AnalysisColumn column) => column.Key == AnalysisMetrics.Accuracy ? 100 : 1;

    /// <summary>The range in data units, or why the text is not one (nothing is changed then).</summary>
    public static (AxisRange? Range, string? Error) Parse(AnalysisColumn column, string? from, string? to)
    {
        if (!TryNumber(from, out var low)) return (null, $"From is not a number: type one like {Example(column)}.");
        if (!TryNumber(to, out var high)) return (null, $"To is not a number: type one like {Example(column)}.");
        if (low > high) return (null, "From is above To: the range would keep nothing.");
        if (column.Log && low <= 0) return (null, $"{column.Label} is drawn on a log scale: From must be above 0.");
        var scale = Scale(column);
        return (new AxisRange(column.Key, low / scale, high / scale), null);
    }

    private static string Example(AnalysisColumn column) => column.Key switch
    {
        AnalysisMetrics.Accuracy => "90.5",
        _ when column.Log && !column.Whole => "0.001",
        _ => "64",
    };

    // Invariant culture (0.001, 3.2e-4), the typographic minus too; infinities and NaN are not ranges.
    private static bool TryNumber(string? text, out double value)
    {
        var cleaned = (text ?? "").Trim().Replace('\u2212', '-');
        return double.TryParse(cleaned, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
