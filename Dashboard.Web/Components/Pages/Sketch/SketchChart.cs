using Dashboard.Training.Data;
using Dashboard.Web.Prediction;

namespace Dashboard.Web.Components.Pages.Sketch;

/// <summary>ApexCharts options and series for the probability bars: one horizontal bar per class, the top class highlighted.</summary>
public static class SketchChart
{
    public static Dictionary<string, object> Options(ClassScores? scores, bool dark) => new()
    {
        ["chart"] = new Dictionary<string, object>
        {
            ["type"] = "bar",
            ["height"] = 310,
            ["background"] = "transparent",
            ["foreColor"] = dark ? "#c8c8d0" : "#424242",
            ["toolbar"] = new { show = false },
            ["zoom"] = new { enabled = false },
            // Short, so bars follow the pen without lagging behind it.
            ["animations"] = new { enabled = true, speed = 200, dynamicAnimation = new { enabled = true, speed = 200 } },
            ["fontFamily"] = "Roboto, Helvetica, Arial, sans-serif",
        },
        ["theme"] = new { mode = dark ? "dark" : "light" },
        ["plotOptions"] = new { bar = new { horizontal = true, barHeight = "72%", borderRadius = 2 } },
        ["series"] = Series(scores, dark),
        ["xaxis"] = new { min = 0, max = 1, tickAmount = 5, labels = new { formatter = "percent:0" } },
        ["yaxis"] = new { labels = new { maxWidth = 120 } },
        ["dataLabels"] = new { enabled = false },
        ["legend"] = new { show = false },
        ["grid"] = new { borderColor = dark ? "#3a3a44" : "#e0e0e0" },
        ["tooltip"] = new { theme = dark ? "dark" : "light", y = new { formatter = "percent:1" } },
        ["states"] = new { hover = new { filter = new { type = "none" } } },
    };

    /// <summary>The download menu's CSV: one row per class with its probability (empty without a prediction).</summary>
    public static string Csv(ClassScores? scores)
    {
        var sb = new System.Text.StringBuilder();
        Charts.Csv.Line(sb, "class", "probability");
        if (scores is not null)
            for (var i = 0; i < FashionMnist.ClassNames.Count; i++) Charts.Csv.Line(sb, FashionMnist.ClassNames[i], scores.Probabilities[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>The probabilities (rounded to 0.01 %); all zero when there is no prediction.</summary>
    public static object Series(ClassScores? scores, bool dark)
    {
        var highlight = dark ? "#7986cb" : "#3f51b5";
        var other = dark ? "#5c5f73" : "#b0b4c8";
        var data = FashionMnist.ClassNames.Select((name, i) => new
        {
            x = name,
            y = scores is null ? 0 : Math.Round(scores.Probabilities[i], 4),
            fillColor = scores is not null && i == scores.TopClass ? highlight : other,
        }).ToList();
        return new[] { new { name = "Probability", data } };
    }
}
