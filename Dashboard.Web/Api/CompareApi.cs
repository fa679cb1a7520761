using System.Text;
using Dashboard.Web.Comparison;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Api;

/// <summary>GET /api/compare?ids=… (the comparison as JSON) and GET /api/compare/export (CSV or Markdown files).</summary>
public static class CompareApi
{
    public static IEndpointRouteBuilder MapCompareApi(this IEndpointRouteBuilder app)
    {
        var compare = app.MapGroup("/api/compare").WithTags("Compare");

        compare.MapGet("/", (string? ids, Guid? baseline, RunStore store) =>
        {
            var selection = Select(ids, baseline, store);
            return selection.CanCompare
                ? Results.Ok(ComparisonBody.From(new RunComparison(selection.Runs, selection.Baseline), selection.Problems))
                : NothingToCompare(selection);
        }).WithName("Compare").WithSummary("Settings, results (best marked), per-epoch curves and, for two runs, the confusion difference B − A; baseline=id adds that run first, as the reference.");

        compare.MapGet("/export", (string? ids, Guid? baseline, string? table, string? format, RunStore store) =>
        {
            var selection = Select(ids, baseline, store);
            if (!selection.CanCompare)
                return NothingToCompare(selection);
            var comparison = new RunComparison(selection.Runs, selection.Baseline);
            string? text = (table?.ToLowerInvariant(), format?.ToLowerInvariant()) switch
            {
                ("results" or null, "csv" or null) => CompareExport.ResultsCsv(comparison),
                ("results" or null, "md" or "markdown") => CompareExport.ResultsMarkdown(comparison),
                ("reports", "csv" or null) => CompareExport.ReportsCsv(comparison),
                ("reports", "md" or "markdown") => CompareExport.ReportsMarkdown(comparison),
                _ => null,
            };
            if (text is null)
                return ApiProblem.BadRequest("table must be results or reports; format must be csv or md.");
            var md = format?.ToLowerInvariant() is "md" or "markdown";
            return Results.File(Encoding.UTF8.GetBytes(text), md ? "text/markdown; charset=utf-8" : "text/csv; charset=utf-8",
                CompareExport.FileName(table?.ToLowerInvariant() ?? "results", md ? "md" : "csv"));
        }).WithName("CompareExport").WithSummary("table=results|reports, format=csv|md: a file to download.");
        return app;
    }

    // The page passes the user's pinned baseline, so that its downloads hold what it shows.
    private static CompareSelection Select(string? ids, Guid? baseline, RunStore store)
    {
        var selection = CompareSelection.Resolve(ids, store.Get);
        if (baseline is not { } id) return selection;
        return store.Get(id) is { } run
            ? selection.WithBaseline(run)
            : selection with { Problems = [.. selection.Problems, $"No run has the id {id} (the baseline); it may have been deleted."] };
    }

    // "problems" says, per id, why it was left out.
    private static IResult NothingToCompare(CompareSelection selection) =>
        ApiProblem.Of(StatusCodes.Status400BadRequest, $"Pick {CompareSelection.MinRuns} to {CompareSelection.MaxRuns} finished runs.", "Nothing to compare",
            new Dictionary<string, object?> { ["problems"] = selection.Problems });
}

public sealed record ComparedRunBody(string Letter, Guid Id, string Name, string Color, int Epochs, bool Baseline);

public sealed record ResultRowBody(string Letter, double? TrainingSeconds, double? Accuracy, double? MacroF1, double? MacroPrecision, IReadOnlyList<string> Best);

public sealed record CurveBody(string Name, string Color, IReadOnlyList<double[]> Points);

public sealed record DifferenceBody(int[][] Delta, IReadOnlyList<CellChange> Largest, IReadOnlyList<CellChange> Focus);

public sealed record ComparisonBody(
    IReadOnlyList<ComparedRunBody> Runs, IReadOnlyList<string> Problems, IReadOnlyList<SettingRow> Settings, IReadOnlyList<ResultRowBody> Results,
    IReadOnlyDictionary<CurveMetric, IReadOnlyList<CurveBody>> Curves, DifferenceBody? Difference)
{
    public static ComparisonBody From(RunComparison c, IReadOnlyList<string> problems)
    {
        var t = c.Results;
        return new ComparisonBody(
            c.Runs.Select(r => new ComparedRunBody(r.Letter, r.Run.Id, r.Run.Name, r.Color, r.Run.Epochs.Count, r.IsBaseline)).ToList(),
            problems,
            c.Settings,
            t.Rows.Select((r, i) => new ResultRowBody(r.Run.Letter, r.TrainingSeconds, r.Accuracy, r.MacroF1, r.MacroPrecision,
                new[] { ("TrainingSeconds", t.BestTime), ("Accuracy", t.BestAccuracy), ("MacroF1", t.BestMacroF1), ("MacroPrecision", t.BestMacroPrecision) }
                    .Where(x => x.Item2.Contains(i)).Select(x => x.Item1).ToList())).ToList(),
            CurveMetrics.All.ToDictionary(m => m, m => (IReadOnlyList<CurveBody>)c.Curves(m).Select(s => new CurveBody(s.Name, s.Color, s.Points)).ToList()),
            c.Difference is { } d ? new DifferenceBody(d.Delta, d.LargestChanges(), d.Focus) : null);
    }
}
