using Dashboard.Web.Accounts;
using Dashboard.Web.Analysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Web.Api;

/// <summary>GET /api/analysis: the "which settings matter" table of a set of runs and the settings' importance for a metric.</summary>
public static class AnalysisApi
{
    public static IEndpointRouteBuilder MapAnalysisApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/analysis", GetAsync).RequireAuthorization(Policies.View).WithTags("Analysis").WithName("Analysis")
            .WithSummary("ids=a,b,… (at most 200) or filters (tag, study, where=Field:Match:Value, repeated; none: every run, the newest 5,000); " +
                         "metric=accuracy|macroF1|testLoss|trainingSeconds (default accuracy). The table of completed runs, and each varying setting's permutation importance.");
        return app;
    }

    private static async Task<Results<Ok<AnalysisBody>, ProblemHttpResult>> GetAsync(
        string? ids, string? tag, Guid? study, string[]? where, string? metric, AnalysisService analysis)
    {
        var chosen = AnalysisMetrics.Find(metric ?? AnalysisMetrics.Accuracy);
        if (chosen is null)
            return ApiProblem.BadRequest($"Unknown metric '{(metric!.Length > 40 ? metric[..40] + "…" : metric)}'. Metrics: {AnalysisMetrics.Keys}.");
        var (scope, error) = AnalysisScope.Parse(ids, tag, study, where);
        if (scope is null) return ApiProblem.BadRequest(error!);
        var load = await Task.Run(() => analysis.Load(scope));
        var importance = load.Table.Rows.Count == 0 ? null : await analysis.ImportanceAsync(load.Table, chosen.Key);
        return TypedResults.Ok(AnalysisBody.From(load, importance));
    }
}

public sealed record AnalysisColumnBody(string Key, string Label, bool IsMetric, string Kind, IReadOnlyList<string> Categories, bool Log);

public sealed record AnalysisRowBody(Guid RunId, string Name, IReadOnlyList<double?> Values);

public sealed record ImportanceBody(string Metric, string MetricLabel, string Method, int Runs, double? FitR2, IReadOnlyList<SettingImportance> Settings, string? Problem);

/// <summary>The table (a row per completed run, its values in column order; a category as the index of its value) and the importance, null without rows.</summary>
public sealed record AnalysisBody(
    int Runs, IReadOnlyList<LeftOut> LeftOut, IReadOnlyList<string> Notes, IReadOnlyList<AnalysisColumnBody> Columns, IReadOnlyList<AnalysisRowBody> Rows, ImportanceBody? Importance)
{
    public static AnalysisBody From(AnalysisLoad load, ImportanceResult? importance) => new(
        load.Table.Rows.Count, load.Table.LeftOut, load.Notes,
        load.Table.Columns.Select(c => new AnalysisColumnBody(c.Key, c.Label, c.IsMetric, c.Kind.ToString(), c.Categories, c.Log)).ToList(),
        load.Table.Rows.Select(r => new AnalysisRowBody(r.RunId, r.Name, r.Values)).ToList(),
        importance is null ? null : new ImportanceBody(importance.Metric, importance.MetricLabel, ImportanceResult.Method, importance.Runs, importance.FitR2, importance.Settings, importance.Problem));
}
