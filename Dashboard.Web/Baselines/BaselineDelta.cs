using System.Globalization;

namespace Dashboard.Web.Baselines;

/// <summary>A run's figure against the baseline's, as shown beside the figure.</summary>
/// <param name="Text">Signed, with a true minus sign: "+0.84 pp", "−0.0093", "−12.3 s".</param>
/// <param name="Better">+1 when the run does better than the baseline, −1 when worse, 0 when equal at the shown precision.</param>
public sealed record Delta(string Text, int Better);

/// <summary>The one wording of differences from the baseline, for the runs grid and the compare page.</summary>
public static class BaselineDelta
{
    /// <summary>Accuracy (fractions) in percentage points, two decimals, as the grid shows accuracy in percent.</summary>
    public static Delta? Accuracy(double? value, double? baseline) => Of(value * 100, baseline * 100, "F2", " pp", higherIsBetter: true);

    /// <summary>A score within 0–1 (macro F1, precision), four decimals as shown.</summary>
    public static Delta? Score(double? value, double? baseline) => Of(value, baseline, "F4", "", higherIsBetter: true);

    /// <summary>Training time in seconds, one decimal; less is better.</summary>
    public static Delta? Seconds(double? value, double? baseline) => Of(value, baseline, "F1", " s", higherIsBetter: false);

    private static Delta? Of(double? value, double? baseline, string format, string unit, bool higherIsBetter)
    {
        if (value is not { } v || baseline is not { } b || !double.IsFinite(v) || !double.IsFinite(b)) return null;
        var shown = (v - b).ToString(format, CultureInfo.InvariantCulture);
        var difference = double.Parse(shown, CultureInfo.InvariantCulture);
        var sign = Math.Sign(difference);
        var text = sign switch
        {
            > 0 => "+" + shown,
            < 0 => "\u2212" + shown.TrimStart('-'),
            _ => "±" + (0.0).ToString(format, CultureInfo.InvariantCulture),
        };
        return new Delta(text + unit, higherIsBetter ? sign : -sign);
    }
}
