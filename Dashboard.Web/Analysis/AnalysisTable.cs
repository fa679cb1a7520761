using System.Globalization;
using System.Security.Cryptography;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Analysis;

/// <summary>
/// One column of the analysis: a setting that varies across the runs, or a metric. A category column lists its values
/// in axis order, and a row holds the index of its value.
/// </summary>
public sealed record AnalysisColumn(
    string Key, string Label, bool IsMetric, ValueKind Kind, IReadOnlyList<string> Categories, bool Log = false, bool Whole = false, bool HigherIsBetter = true)
{
    public string Format(double? value) => value switch
    {
        null => "—",
        { } v when Kind == ValueKind.Category => v >= 0 && v < Categories.Count ? Categories[(int)v] : "?",
        { } v when IsMetric => AnalysisMetrics.Find(Key)?.Format(v) ?? v.ToString("G4", CultureInfo.InvariantCulture),
        { } v when Whole => v.ToString("0", CultureInfo.InvariantCulture),
        { } v => v.ToString("G4", CultureInfo.InvariantCulture),
    };
}

/// <summary>One completed run: its value in each column (settings first, then metrics; null where a metric is missing).</summary>
public sealed record AnalysisRow(Guid RunId, string Name, IReadOnlyList<double?> Values);

/// <summary>Runs that the table leaves out, and why.</summary>
public sealed record LeftOut(string Why, int Count);

/// <summary>
/// The runs of a selection as a table for the analysis views: one row per completed run with a test accuracy
/// (other runs did not train their settings to the end, so their figures do not belong to those settings), one
/// column per setting whose value varies across those rows, then one per metric.
/// </summary>
public sealed class AnalysisTable
{
    /// <summary>Most runs one analysis reads: the newest ones of a larger selection.</summary>
    public const int MaxRuns = 5_000;

    private AnalysisTable(IReadOnlyList<AnalysisColumn> columns, IReadOnlyList<AnalysisRow> rows, IReadOnlyList<LeftOut> leftOut, int? epoch)
    {
        Columns = columns;
        Rows = rows;
        LeftOut = leftOut;
        Epoch = epoch;
        // The same runs at another epoch have other figures: the epoch is part of what names the results.
        Key = KeyOf(rows) + (epoch is { } e ? $"@{e}" : "");
    }

    public IReadOnlyList<AnalysisColumn> Columns { get; }

    public IReadOnlyList<AnalysisRow> Rows { get; }

    public IReadOnlyList<LeftOut> LeftOut { get; }

    /// <summary>The epoch at whose end the runs are compared (<see cref="AtEpoch"/>), or null for their final figures.</summary>
    public int? Epoch { get; }

    /// <summary>Names the set of rows (their run ids), so results computed from it can be cached.</summary>
    public string Key { get; }

    public IReadOnlyList<AnalysisColumn> Settings => Columns.Where(c => !c.IsMetric).ToList();

    public IReadOnlyList<AnalysisColumn> Metrics => Columns.Where(c => c.IsMetric).ToList();

    /// <summary>The position of a column by key, or -1.</summary>
    public int IndexOf(string key)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (Columns[i].Key == key) return i;
        return -1;
    }

    public static AnalysisTable Empty { get; } = Build([]);

    public static AnalysisTable Build(IEnumerable<AnalysisRun> runs)
    {
        var all = runs.ToList();
        return Build(all.Where(IsKept).ToList(), LeftOutOf(all.Where(r => !IsKept(r))), null);
    }

    /// <summary>
    /// The runs compared by their figures at the end of <paramref name="epoch"/>, whatever became of them later: how a
    /// halving study's trials are compared at a rung, where the ones stopped there count as much as the ones promoted.
    /// Runs that have not finished that epoch are left out.
    /// </summary>
    public static AnalysisTable AtEpoch(IEnumerable<Run> runs, int epoch)
    {
        var all = runs.ToList();
        var kept = all.Select(r => AnalysisRun.At(r, epoch)).OfType<AnalysisRun>().ToList();
        var ids = kept.Select(r => r.Id).ToHashSet();
        var leftOut = all.Where(r => !ids.Contains(r.Id))
            .GroupBy(r => r.IsEnsemble ? "ensembles" : $"not at epoch {epoch}")
            .Select(g => new LeftOut(g.Key, g.Count()))
            .OrderByDescending(l => l.Count).ThenBy(l => l.Why, StringComparer.Ordinal)
            .ToList();
        return Build(kept, leftOut, epoch);
    }

    private static AnalysisTable Build(IReadOnlyList<AnalysisRun> runs, IReadOnlyList<LeftOut> leftOut, int? epoch)
    {
        var kept = runs.OrderBy(r => r.CreatedUtc).ThenBy(r => r.Id).ToList();
        var settings = AnalysisSettings.All.Select(s => SettingColumn(s, kept)).OfType<(AnalysisColumn Column, Func<AnalysisRun, double> Value)>().ToList();
        var metrics = AnalysisMetrics.All.Where(m => kept.Any(r => m.Read(r) is not null)).ToList();
        var columns = settings.Select(s => s.Column)
            .Concat(metrics.Select(m => new AnalysisColumn(m.Key, m.Label, true, ValueKind.Number, [], HigherIsBetter: m.HigherIsBetter)))
            .ToList();
        var rows = kept.Select(r => new AnalysisRow(r.Id, r.Name,
            [.. settings.Select(s => (double?)s.Value(r)), .. metrics.Select(m => m.Read(r) is { } v && double.IsFinite(v) ? v : (double?)null)])).ToList();
        return new AnalysisTable(columns, rows, leftOut, epoch);
    }

    private static bool IsKept(AnalysisRun r) => r is { Status: RunStatus.Completed, IsEnsemble: false, Accuracy: not null };

    /// <summary>The column of a setting and how to read a run's value, or null when every run has the same value.</summary>
    private static (AnalysisColumn, Func<AnalysisRun, double>)? SettingColumn(SettingDefinition s, IReadOnlyList<AnalysisRun> runs)
    {
        if (s.Kind == ValueKind.Category)
        {
            var categories = runs.Select(r => s.Category!(r.Config)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (categories.Count < 2) return null;
            var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => (double)x.i, StringComparer.Ordinal);
            return (new AnalysisColumn(s.Key, s.Label, false, ValueKind.Category, categories), r => index[s.Category!(r.Config)]);
        }
        var values = runs.Select(r => s.Number!(r.Config)).Distinct().ToList();
        if (values.Count < 2) return null;
        return (new AnalysisColumn(s.Key, s.Label, false, ValueKind.Number, [], Log: s.Log && values.All(v => v > 0), Whole: s.Whole), r => s.Number!(r.Config));
    }

    private static IReadOnlyList<LeftOut> LeftOutOf(IEnumerable<AnalysisRun> runs) =>
        runs.GroupBy(r => r switch
            {
                { IsEnsemble: true } => "ensembles",
                { Status: RunStatus.Queued or RunStatus.Running } => "still queued or running",
                { Status: RunStatus.Completed } => "completed without a test report",
                _ => r.Status.ToString().ToLowerInvariant(),
            })
            .Select(g => new LeftOut(g.Key, g.Count()))
            .OrderByDescending(l => l.Count).ThenBy(l => l.Why, StringComparer.Ordinal)
            .ToList();

    private static string KeyOf(IReadOnlyList<AnalysisRow> rows)
    {
        var bytes = new byte[rows.Count * 16];
        for (var i = 0; i < rows.Count; i++) rows[i].RunId.TryWriteBytes(bytes.AsSpan(i * 16));
        return $"{rows.Count}:{Convert.ToHexString(SHA256.HashData(bytes))[..24]}";
    }
}
