using Dashboard.Web.Storage;

namespace Dashboard.Web.Analysis;

/// <summary>
/// Which runs an analysis looks at: the runs named by <c>?ids=</c> (a selection in the runs list), or the newest
/// <see cref="AnalysisTable.MaxRuns"/> runs matching filters (<c>?tag=</c>, <c>?study=</c>, <c>?where=Field:Match:Value</c>,
/// the runs list's filters); with neither, every run.
/// </summary>
public sealed record AnalysisScope(IReadOnlyList<Guid>? Ids, IReadOnlyList<RunFilter> Filters, string? Tag, Guid? Study, IReadOnlyList<string> Where)
{
    /// <summary>Most ids in a URL: 200 ids fill ~7.4 KB, near the 8 KB request line Kestrel accepts.</summary>
    public const int MaxIds = 200;
    public const int MaxWhere = 16;
    public const int MaxTagLength = 100;

    /// <summary>Every run (no ids, no filters).</summary>
    public bool IsAll => Ids is null && Filters.Count == 0;

    /// <summary>The scope, or a sentence saying what is wrong with the parameters (nothing is looked up).</summary>
    public static (AnalysisScope? Scope, string? Error) Parse(string? ids, string? tag, Guid? study, IReadOnlyList<string>? where)
    {
        where ??= [];
        var hasFilters = !string.IsNullOrEmpty(tag) || study is not null || where.Count > 0;
        if (ids is not null)
        {
            if (hasFilters) return (null, "Give either run ids or filters (tag, study, where), not both.");
            var (list, error) = ParseIds(ids);
            return error is null ? (new AnalysisScope(list, [], null, null, []), null) : (null, error);
        }
        if (tag is { Length: > MaxTagLength }) return (null, $"A tag is at most {MaxTagLength} characters.");
        if (where.Count > MaxWhere) return (null, $"At most {MaxWhere} where filters.");
        var filters = new List<RunFilter>(RunAnnotationFilters(tag, study));
        foreach (var text in where)
        {
            var (filter, error) = RunFilterText.Parse(text);
            if (error is not null) return (null, error);
            filters.Add(filter!);
        }
        return (new AnalysisScope(null, filters, string.IsNullOrWhiteSpace(tag) ? null : tag, study, where), null);
    }

    private static IEnumerable<RunFilter> RunAnnotationFilters(string? tag, Guid? study)
    {
        if (!string.IsNullOrWhiteSpace(tag)) yield return new RunFilter(RunFields.Tags, FilterMatch.Includes, tag);
        if (study is { } id) yield return new RunFilter(RunFields.Study, FilterMatch.Equal, id);
    }

    private static (IReadOnlyList<Guid>, string?) ParseIds(string ids)
    {
        var tokens = ids.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (tokens.Length == 0) return ([], "ids is empty: give run ids separated by commas.");
        if (tokens.Length > MaxIds) return ([], $"At most {MaxIds} run ids ({tokens.Length} given): to analyze more runs, filter them by tag, study or the runs list's filters.");
        var list = new List<Guid>();
        foreach (var token in tokens)
        {
            if (!Guid.TryParse(token, out var id)) return ([], $"'{(token.Length > 40 ? token[..40] + "…" : token)}' is not a run id.");
            if (!list.Contains(id)) list.Add(id);
        }
        return (list, null);
    }

    /// <summary>The query string of this scope (without <c>?</c>), for links and URLs.</summary>
    public string Query()
    {
        if (Ids is not null) return "ids=" + string.Join(",", Ids);
        var parts = new List<string>();
        if (Tag is not null) parts.Add("tag=" + Uri.EscapeDataString(Tag));
        if (Study is { } study) parts.Add("study=" + study);
        parts.AddRange(Where.Select(w => "where=" + Uri.EscapeDataString(w)));
        return string.Join("&", parts);
    }

    /// <summary>The analysis page's address for a selection in the runs list: the picked runs when there are at least two, else the list's filters.</summary>
    public static string LinkFor(IReadOnlyCollection<Guid> selected, IReadOnlyList<RunFilter>? filters)
    {
        if (selected.Count >= 2) return "/analysis?ids=" + string.Join(",", selected.Take(MaxIds));
        var where = (filters ?? []).Take(MaxWhere).Select(f => "where=" + Uri.EscapeDataString(RunFilterText.Format(f))).ToList();
        return where.Count == 0 ? "/analysis" : "/analysis?" + string.Join("&", where);
    }
}
