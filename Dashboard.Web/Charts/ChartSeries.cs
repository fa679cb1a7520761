using System.Globalization;
using Dashboard.Training;

namespace Dashboard.Web.Charts;

/// <summary>A value measured at the end of an epoch, with the training time that had passed by then.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Seconds">Training time up to the end of this epoch (see <see cref="ChartXAxis.TrainingTime"/>).</param>
/// <param name="Value">The measured value; always finite.</param>
public readonly record struct EpochPoint(int Epoch, double Seconds, double Value);

/// <summary>One measured line of a per-epoch chart, before any smoothing: a run's test loss, a class's F1…</summary>
/// <param name="Name">Legend text (user-supplied names included: the chart shows it as text).</param>
/// <param name="Color">A <c>#rrggbb</c> colour.</param>
/// <param name="Points">In epoch order.</param>
public sealed record EpochLine(string Name, string Color, IReadOnlyList<EpochPoint> Points)
{
    /// <summary>Drawn dashed: the compare page's baseline.</summary>
    public bool Dashed { get; init; }

    /// <summary>Whether smoothing applies. A learning rate follows its schedule exactly: smoothing would only blur it.</summary>
    public bool Smoothable { get; init; } = true;
}

/// <summary>One series as ApexCharts draws it, with its own style.</summary>
/// <param name="Name">Unique within the chart (ApexCharts tells series apart by name).</param>
/// <param name="Color">CSS colour; the faint raw line of a smoothed one is the same colour with a low alpha.</param>
/// <param name="Points"><c>[x, y]</c> pairs.</param>
/// <param name="Width">Stroke width in pixels.</param>
/// <param name="Dashed">Dashed stroke.</param>
/// <param name="InLegend">False for the raw line behind a smoothed one: the legend names each line once.</param>
public sealed record PlottedSeries(string Name, string Color, IReadOnlyList<double[]> Points, double Width, bool Dashed, bool InLegend);

/// <summary>
/// The one owner of the maths behind per-epoch charts: points from epochs, the training-time x axis,
/// TensorBoard's debiased exponential moving average, and the series drawn for given <see cref="ChartSettings"/>.
/// </summary>
public static class ChartSeries
{
    /// <summary>Suffix of the raw series drawn faintly behind a smoothed one.</summary>
    public const string RawSuffix = " (raw)";

    /// <summary>Most intervals on a training-time axis.</summary>
    public const int MaxTimeTicks = 6;

    /// <summary>Alpha of the raw line behind a smoothed one.</summary>
    public const double RawOpacity = 0.3;

    /// <summary>
    /// Exponential moving average as TensorBoard computes it: <c>s = w·s + (1 − w)·v</c>, divided by <c>1 − wⁿ</c>
    /// after n values, so that the start is not pulled towards 0. A weight of 0 returns the values unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A weight outside [0, 1).</exception>
    public static double[] Smooth(IReadOnlyList<double> values, double weight)
    {
        if (!(weight is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(weight), weight, "The smoothing weight must be in [0, 1).");
        var smoothed = new double[values.Count];
        double last = 0, debias = 0;
        for (var i = 0; i < values.Count; i++)
        {
            last = last * weight + (1 - weight) * values[i];
            debias = debias * weight + (1 - weight);
            smoothed[i] = last / debias;
        }
        return smoothed;
    }

    /// <summary>
    /// One measure of a run's epochs as points, in epoch order. Epochs without the measure (null) or where it is not
    /// finite (a diverged epoch's NaN) are left out, but their seconds still count towards the later points' training time.
    /// </summary>
    public static IReadOnlyList<EpochPoint> Points(IEnumerable<EpochMetrics> epochs, Func<EpochMetrics, double?> value)
    {
        var points = new List<EpochPoint>();
        double seconds = 0;
        foreach (var e in epochs.OrderBy(e => e.Epoch))
        {
            if (double.IsFinite(e.Seconds) && e.Seconds > 0) seconds += e.Seconds;
            if (value(e) is { } v && double.IsFinite(v)) points.Add(new EpochPoint(e.Epoch, seconds, v));
        }
        return points;
    }

    /// <summary>
    /// A training-time axis that ends on a round step (10 s, 30 s, 1, 2:30, 5, 10, 15, 30 min, 1, 2, 6 h…) past
    /// <paramref name="seconds"/>, with at most <see cref="MaxTimeTicks"/> ticks, so that labels read 2:30, 5:00… rather
    /// than 6:01, and fit level on a third of the page.
    /// </summary>
    public static (double Max, int Ticks) TimeAxis(double seconds)
    {
        double[] steps = [5, 10, 15, 20, 30, 45, 60, 90, 120, 150, 180, 240, 300, 600, 900, 1200, 1800, 3600, 5400, 7200, 10800, 21600, 43200, 86400];
        var end = Math.Max(seconds, 1);
        var step = steps.FirstOrDefault(s => end / s <= MaxTimeTicks, steps[^1] * Math.Ceiling(end / steps[^1] / MaxTimeTicks));
        var ticks = (int)Math.Max(1, Math.Ceiling(end / step - 1e-9));
        return (ticks * step, ticks);
    }

    /// <summary>Where a point sits along x.</summary>
    public static double X(EpochPoint point, ChartXAxis axis) => axis == ChartXAxis.TrainingTime ? point.Seconds : point.Epoch;

    /// <summary>
    /// The series to draw. Unsmoothed, one per line. Smoothed, the raw lines come first (drawn underneath, faint, out of
    /// the legend), then the smoothed ones in line order. On a log scale, y is the value's base-10 logarithm (smoothing
    /// works on the values themselves, as TensorBoard's does), and values that are not positive are left out.
    /// </summary>
    public static IReadOnlyList<PlottedSeries> Plot(IReadOnlyList<EpochLine> lines, ChartSettings settings, bool logScale = false)
    {
        List<double[]> Xy(IEnumerable<EpochPoint> points, IReadOnlyList<double> ys) => points
            .Select((p, i) => (X: X(p, settings.X), Y: ys[i]))
            .Where(xy => !logScale || xy.Y > 0)
            .Select(xy => new[] { xy.X, logScale ? Math.Log10(xy.Y) : xy.Y })
            .ToList();

        var raw = new List<PlottedSeries>();
        var shown = new List<PlottedSeries>();
        foreach (var line in lines)
        {
            var values = line.Points.Select(p => p.Value).ToList();
            if (settings.Smoothed && line.Smoothable)
            {
                raw.Add(new PlottedSeries(line.Name + RawSuffix, Faint(line.Color), Xy(line.Points, values), 1.5, line.Dashed, InLegend: false));
                shown.Add(new PlottedSeries(line.Name, line.Color, Xy(line.Points, Smooth(values, settings.Smoothing)), 2.5, line.Dashed, InLegend: true));
            }
            else
            {
                shown.Add(new PlottedSeries(line.Name, line.Color, Xy(line.Points, values), 2, line.Dashed, InLegend: true));
            }
        }
        return [.. raw, .. shown];
    }

    /// <summary><paramref name="color"/> (<c>#rrggbb</c>) at <see cref="RawOpacity"/>, as <c>rgba(…)</c>; other colour forms are returned as they are.</summary>
    public static string Faint(string color)
    {
        if (color is not ['#', _, _, _, _, _, _] || !int.TryParse(color.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var rgb))
            return color;
        return string.Create(CultureInfo.InvariantCulture, $"rgba({(rgb >> 16) & 0xff}, {(rgb >> 8) & 0xff}, {rgb & 0xff}, {RawOpacity})");
    }
}
