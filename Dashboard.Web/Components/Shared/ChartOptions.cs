using Dashboard.Web.Charts;

namespace Dashboard.Web.Components.Shared;

/// <summary>A numeric axis of a line chart.</summary>
/// <param name="Title">Axis title.</param>
/// <param name="Format">
/// A label format understood by ApexChart.razor.js: <c>fixed:N</c>, <c>trim:N</c>, <c>sig:N</c> (significant digits), <c>percent:N</c>, <c>sci:N</c>, <c>int</c>,
/// <c>duration</c> (seconds as m:ss); prefixed with <c>pow10|</c>, the label is that of 10 to the power of the value (a log axis).
/// </param>
/// <param name="Min">Lower end; null lets ApexCharts choose.</param>
/// <param name="Max">Upper end; null lets ApexCharts choose.</param>
/// <param name="TickAmount">Number of intervals between ticks; null lets ApexCharts choose.</param>
public sealed record LineAxis(string Title, string Format = "trim:3", double? Min = null, double? Max = null, int? TickAmount = null);

/// <summary>One line: a name and its points as <c>[x, y]</c> pairs.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double[]> Points);

/// <summary>A series as ApexCharts reads it (<c>{ name, data }</c> once serialized); <see cref="ApexChart"/> also keeps it for its CSV.</summary>
public sealed record ApexSeries(string Name, IReadOnlyList<double[]> Data);

/// <summary>New points of one series for <see cref="ApexChart.AppendAsync"/> (<c>{ data }</c>).</summary>
public sealed record ApexAppend(IReadOnlyList<double[]> Data);

/// <summary>
/// Builds ApexCharts option objects for <see cref="ApexChart"/>. Formatters cannot travel as JSON,
/// so axes carry a format name that the chart's JS module turns into a function.
/// </summary>
public static class ChartOptions
{
    /// <summary>Name of the cascading bool with which MainLayout tells pages the theme is dark.</summary>
    public const string DarkModeName = "DarkMode";

    /// <summary>A line chart with numeric x and y axes.</summary>
    public static Dictionary<string, object> Line(
        string title, LineAxis x, LineAxis y, IEnumerable<LineSeries> series, bool dark,
        IReadOnlyList<string>? colors = null, int height = 280, bool markers = false, string noData = "Waiting for data…")
    {
        var options = new Dictionary<string, object>
        {
            ["chart"] = new Dictionary<string, object>
            {
                ["type"] = "line",
                ["height"] = height,
                ["background"] = Background(dark),
                // Live charts append a point several times a second; animating each one only adds jank.
                ["animations"] = new { enabled = false },
                // Downloads come from ApexChart's own menu (with file names and a CSV of the data as plotted).
                ["toolbar"] = new { show = false },
                ["zoom"] = new { enabled = false },
                ["fontFamily"] = "Roboto, Helvetica, Arial, sans-serif",
            },
            ["series"] = series.Select(s => new ApexSeries(s.Name, s.Points)).ToList(),
            ["title"] = new { text = title, style = new { fontSize = "14px", fontWeight = 500 } },
            ["stroke"] = new { width = 2, curve = "straight" },
            ["markers"] = new { size = markers ? 4 : 0 },
            ["dataLabels"] = new { enabled = false },
            ["legend"] = Legend(),
            ["xaxis"] = Axis(x, isX: true),
            ["yaxis"] = Axis(y, isX: false),
            ["noData"] = new { text = noData },
        };
        if (colors is { Count: > 0 }) options["colors"] = colors;
        var theme = Theme(dark);
        options["theme"] = theme["theme"];
        options["grid"] = theme["grid"];
        ((Dictionary<string, object>)options["chart"])["foreColor"] = ForeColor(dark);
        options["tooltip"] = new { theme = dark ? "dark" : "light", x = new { formatter = x.Format } };
        return options;
    }

    /// <summary>
    /// A per-epoch chart of <see cref="ChartSeries.Plot">plotted series</see>: each series keeps its colour, width and dash;
    /// markers (when asked for) only on the lines in the legend; and a legend that names each line once, also when a faint
    /// raw line runs behind it.
    /// </summary>
    public static Dictionary<string, object> Plotted(
        string title, LineAxis x, LineAxis y, IReadOnlyList<PlottedSeries> series, bool dark,
        int height = 280, bool markers = false, string noData = "Waiting for data…")
    {
        var options = Line(title, x, y, series.Select(s => new LineSeries(s.Name, s.Points)), dark,
            series.Select(s => s.Color).ToList(), height, markers, noData);
        options["stroke"] = new { width = series.Select(s => s.Width).ToList(), curve = "straight", dashArray = series.Select(s => s.Dashed ? 6 : 0).ToList() };
        options["markers"] = new { size = series.Select(s => markers && s.InLegend ? 4 : 0).ToList() };
        if (series.Any(s => !s.InLegend))
        {
            // Custom legend items turn off ApexCharts' click-to-hide, which would hide a smoothed line and leave its raw one.
            var named = series.Where(s => s.InLegend).ToList();
            options["legend"] = Legend(named.Select(s => s.Name).ToList(), named.Select(s => s.Color).ToList());
        }
        return options;
    }

    /// <summary>The x axis of a per-epoch chart: epochs up to <paramref name="epochs"/>, or training time up to <paramref name="seconds"/>.</summary>
    public static LineAxis XAxis(ChartXAxis axis, int epochs, double seconds)
    {
        if (axis == ChartXAxis.TrainingTime)
        {
            var (end, ticks) = ChartSeries.TimeAxis(seconds);
            return new LineAxis("training time (sum of epoch times)", "duration", Min: 0, Max: end, TickAmount: ticks);
        }
        // One epoch would sit on the right edge of a 0–1 axis; a 0–2 axis puts it in the middle.
        var max = Math.Max(2, epochs);
        return EpochTicks(max) is { } every ? new LineAxis("epoch", "int", Min: 0, Max: max, TickAmount: every) : new LineAxis("epoch", "trim:1", Min: 0, Max: max);
    }

    /// <summary>
    /// Intervals for an epoch axis ending at <paramref name="max"/>: every epoch up to 20; beyond, a round step (5, 10,
    /// 20, 25, 50…) that divides it into at most 10, else another step that does (24 in 8 of 3). Null when none does:
    /// ApexCharts then chooses, and a wide chart may read 4.3, 8.6… (a 37-epoch run).
    /// </summary>
    public static int? EpochTicks(int max)
    {
        if (max <= 20) return max;
        int[] round = [5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];
        foreach (var step in round)
            if (max % step == 0 && max / step <= 10) return max / step;
        for (var ticks = 10; ticks >= 4; ticks--)
            if (max % ticks == 0) return ticks;
        return null;
    }

    /// <summary>
    /// The y axis for values drawn as their base-10 logarithm (<see cref="ChartSeries.Plot"/> with a log scale): labels show
    /// the values themselves, and ApexCharts chooses the range (its own logarithmic axis refuses ranges under 5, so losses).
    /// </summary>
    public static LineAxis LogAxis(LineAxis linear) => new($"{linear.Title} (log scale)", "pow10|" + PowFormat(linear.Format));

    /// <summary>The options that follow the page theme: merge into a new chart, or pass to <see cref="ApexChart.UpdateOptionsAsync"/>.</summary>
    public static Dictionary<string, object> Theme(bool dark) => new()
    {
        ["theme"] = new { mode = dark ? "dark" : "light" },
        ["chart"] = new { background = Background(dark), foreColor = ForeColor(dark) },
        ["grid"] = new { borderColor = dark ? "#3a3a44" : "#e0e0e0" },
        ["tooltip"] = new { theme = dark ? "dark" : "light" },
    };

    /// <summary>The argument of <see cref="ApexChart.AppendAsync"/>: new points per series, in series order.</summary>
    public static List<ApexAppend> Append(params IReadOnlyList<double[]>[] perSeries) =>
        perSeries.Select(points => new ApexAppend(points)).ToList();

    // The paper the chart sits on, not "transparent": ApexCharts' dark mode would paint its own grey otherwise, and a
    // downloaded PNG or SVG of a dark chart would have light text on white.
    private static readonly string DarkSurface = new MudBlazor.PaletteDark().Surface.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex);

    private static string Background(bool dark) => dark ? DarkSurface : "#ffffff";

    private static string ForeColor(bool dark) => dark ? "#c8c8d0" : "#424242";

    /// <summary>A point.</summary>
    public static double[] Point(double x, double y) => [x, y];

    // Percent and fixed decimals suit a linear axis; on a log axis the values span scales, so significant digits do.
    private static string PowFormat(string format) => format.StartsWith("sci", StringComparison.Ordinal) ? format : "sig:2";

    private static object Legend(IReadOnlyList<string>? items = null, IReadOnlyList<string>? colors = null) => items is null
        ? new { show = true, position = "top", horizontalAlign = "right", showForSingleSeries = true }
        : new { show = true, position = "top", horizontalAlign = "right", showForSingleSeries = true, customLegendItems = items, markers = new { fillColors = colors } };

    private static Dictionary<string, object> Axis(LineAxis axis, bool isX)
    {
        var result = new Dictionary<string, object>
        {
            ["title"] = new { text = axis.Title },
            ["labels"] = new { formatter = axis.Format },
        };
        if (isX)
        {
            result["type"] = "numeric";
            // Short labels (epochs, m:ss) fit level; ApexCharts would tilt them as soon as there are seven or more.
            result["labels"] = new { formatter = axis.Format, rotate = 0 };
            // The tooltip header would otherwise show the raw x value with all its digits.
            result["tooltip"] = new { enabled = false };
        }
        else
        {
            result["forceNiceScale"] = true;
        }
        if (axis.Min is { } min) result["min"] = min;
        if (axis.Max is { } max) result["max"] = max;
        if (axis.TickAmount is { } ticks) result["tickAmount"] = ticks;
        return result;
    }
}
