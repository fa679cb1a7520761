namespace Dashboard.Web.Components.Shared;

/// <summary>A numeric axis of a line chart.</summary>
/// <param name="Title">Axis title.</param>
/// <param name="Format">A label format understood by ApexChart.razor.js: <c>fixed:N</c>, <c>trim:N</c>, <c>percent:N</c>, <c>sci:N</c>, <c>int</c>.</param>
/// <param name="Min">Lower end; null lets ApexCharts choose.</param>
/// <param name="Max">Upper end; null lets ApexCharts choose.</param>
/// <param name="TickAmount">Number of intervals between ticks; null lets ApexCharts choose.</param>
public sealed record LineAxis(string Title, string Format = "trim:3", double? Min = null, double? Max = null, int? TickAmount = null);

/// <summary>One line: a name and its points as <c>[x, y]</c> pairs.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double[]> Points);

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
                ["background"] = "transparent",
                // Live charts append a point several times a second; animating each one only adds jank.
                ["animations"] = new { enabled = false },
                ["toolbar"] = new { show = false },
                ["zoom"] = new { enabled = false },
                ["fontFamily"] = "Roboto, Helvetica, Arial, sans-serif",
            },
            ["series"] = series.Select(s => new { name = s.Name, data = s.Points }).ToList(),
            ["title"] = new { text = title, style = new { fontSize = "14px", fontWeight = 500 } },
            ["stroke"] = new { width = 2, curve = "straight" },
            ["markers"] = new { size = markers ? 4 : 0 },
            ["dataLabels"] = new { enabled = false },
            ["legend"] = new { show = true, position = "top", horizontalAlign = "right", showForSingleSeries = true },
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

    /// <summary>The options that follow the page theme: merge into a new chart, or pass to <see cref="ApexChart.UpdateOptionsAsync"/>.</summary>
    public static Dictionary<string, object> Theme(bool dark) => new()
    {
        // ApexCharts' dark mode paints its own grey background unless told otherwise.
        ["theme"] = new { mode = dark ? "dark" : "light" },
        ["chart"] = new { background = "transparent", foreColor = ForeColor(dark) },
        ["grid"] = new { borderColor = dark ? "#3a3a44" : "#e0e0e0" },
        ["tooltip"] = new { theme = dark ? "dark" : "light" },
    };

    /// <summary>The argument of <see cref="ApexChart.AppendAsync"/>: new points per series, in series order.</summary>
    public static object Append(params IReadOnlyList<double[]>[] perSeries) =>
        perSeries.Select(points => new { data = points }).ToList();

    private static string ForeColor(bool dark) => dark ? "#c8c8d0" : "#424242";

    /// <summary>A point.</summary>
    public static double[] Point(double x, double y) => [x, y];

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
