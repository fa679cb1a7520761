using Dashboard.Web.Analysis;

namespace Dashboard.Web.Components.Shared.Analysis;

/// <summary>A brush on the parallel-coordinates plot: whether one is set, how many rows it keeps, and the first of them (best first) by row index.</summary>
public sealed record BrushedRows(bool Brushed, int Count, IReadOnlyList<int> First);

/// <summary>The plain data that EChart.razor.js draws, built from an <see cref="AnalysisTable"/>.</summary>
public static class AnalysisChartData
{
    private static object Column(AnalysisColumn c) => new
    {
        key = c.Key, label = c.Label, kind = c.Kind.ToString(), categories = c.Categories, log = c.Log, whole = c.Whole, higherIsBetter = c.HigherIsBetter,
    };

    /// <summary>The axes in drawing order: the settings, the other metrics, then <paramref name="metric"/> last, beside its colour scale.</summary>
    public static IReadOnlyList<int> ParallelOrder(AnalysisTable table, string metric)
    {
        var chosen = table.IndexOf(metric);
        return [.. Enumerable.Range(0, table.Columns.Count).Where(i => i != chosen), .. chosen >= 0 ? [chosen] : Array.Empty<int>()];
    }

    public static object Parallel(AnalysisTable table, string metric)
    {
        var order = ParallelOrder(table, metric);
        return new
        {
            columns = order.Select(i => Column(table.Columns[i])),
            rows = table.Rows.Select(r => order.Select(i => r.Values[i])),
            names = table.Rows.Select(r => r.Name),
            color = Math.Max(0, order.Count - 1),
        };
    }

    /// <summary>The rows that have both values, and the data of their scatter.</summary>
    public static (IReadOnlyList<AnalysisRow> Rows, object Data) Scatter(AnalysisTable table, string x, string y)
    {
        var (xi, yi) = (table.IndexOf(x), table.IndexOf(y));
        var rows = xi < 0 || yi < 0 ? [] : table.Rows.Where(r => r.Values[xi] is not null && r.Values[yi] is not null).ToList();
        return (rows, new
        {
            columns = new[] { xi, yi }.Where(i => i >= 0).Select(i => Column(table.Columns[i])),
            rows = rows.Select(r => new[] { r.Values[xi], r.Values[yi] }),
            names = rows.Select(r => r.Name),
        });
    }
}
