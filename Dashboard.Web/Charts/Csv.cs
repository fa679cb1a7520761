using System.Globalization;
using System.Text;

namespace Dashboard.Web.Charts;

/// <summary>RFC 4180 CSV: CRLF line ends, a field quoted only when it holds a comma, quote or line break.</summary>
public static class Csv
{
    public static void Line(StringBuilder sb, params string[] fields) =>
        sb.Append(string.Join(",", fields.Select(Field))).Append("\r\n");

    public static string Field(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    /// <summary>A number as it round-trips ("R"), invariant; an empty field for null.</summary>
    public static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}

/// <summary>What a chart's CSV download holds: the data as plotted, raw values always, smoothed ones beside them.</summary>
public static class ChartCsv
{
    /// <summary>
    /// One row per point and line (a tidy table: runs of different lengths and different training times fit without
    /// gaps): <c>series, epoch, training_seconds, value</c>, and <c>smoothed</c> when smoothing is on (empty for a line
    /// that is not smoothed). Both x measures are always there, whichever the chart shows.
    /// </summary>
    public static string Of(IReadOnlyList<EpochLine> lines, ChartSettings settings)
    {
        var sb = new StringBuilder();
        var smoothed = settings.Smoothed;
        string[] header = ["series", "epoch", "training_seconds", "value"];
        Csv.Line(sb, smoothed ? [.. header, "smoothed"] : header);
        foreach (var line in lines)
        {
            var values = line.Points.Select(p => p.Value).ToList();
            var smooth = smoothed && line.Smoothable ? ChartSeries.Smooth(values, settings.Smoothing) : null;
            for (var i = 0; i < line.Points.Count; i++)
            {
                var p = line.Points[i];
                string[] row = [line.Name, p.Epoch.ToString(CultureInfo.InvariantCulture), Csv.Number(p.Seconds), Csv.Number(p.Value)];
                Csv.Line(sb, smoothed ? [.. row, Csv.Number(smooth?[i])] : row);
            }
        }
        return sb.ToString();
    }

    /// <summary>For charts that are not per epoch (live batch losses): <c>series, x, y</c>, one row per point.</summary>
    public static string Of(IEnumerable<(string Name, IEnumerable<double[]> Points)> series)
    {
        var sb = new StringBuilder();
        Csv.Line(sb, "series", "x", "y");
        foreach (var (name, points) in series)
            foreach (var p in points)
                Csv.Line(sb, name, Csv.Number(p[0]), Csv.Number(p[1]));
        return sb.ToString();
    }
}

/// <summary>File names for chart downloads that say what the chart is, safe on every file system and in a download attribute.</summary>
public static class ChartFileName
{
    public const int MaxLength = 100;

    /// <summary>
    /// The parts (e.g. a run's name and the chart's title) joined by "_", each reduced to letters, digits, '.', '-'
    /// and '_' (anything else, markup included, becomes '-'), at most <see cref="MaxLength"/> characters, plus the
    /// extension. "chart" when nothing is left.
    /// </summary>
    public static string Of(string extension, params string?[] parts)
    {
        var cleaned = parts.Select(Clean).Where(p => p.Length > 0).ToList();
        var name = cleaned.Count == 0 ? "chart" : string.Join("_", cleaned);
        if (name.Length > MaxLength) name = name[..MaxLength].TrimEnd('-', '_', '.');
        return $"{name}.{extension}";
    }

    private static string Clean(string? part)
    {
        var sb = new StringBuilder();
        foreach (var c in (part ?? "").Normalize(NormalizationForm.FormKC))
        {
            var keep = char.IsLetterOrDigit(c) || c is '-' or '_' or '.';
            if (keep) sb.Append(char.ToLowerInvariant(c));
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        // No leading dots (hidden files) and no trailing separators.
        return sb.ToString().Trim('-', '_', '.');
    }
}
