using Dashboard.Web.Storage;

namespace Dashboard.Web.Comparison;

/// <summary>The runs named by <c>?ids=a,b,c</c> that can be compared, and a sentence for every id that cannot.</summary>
/// <param name="Runs">Finished runs, in URL order, at most <see cref="MaxRuns"/>.</param>
/// <param name="Problems">Why ids were left out, for the user.</param>
public sealed record CompareSelection(IReadOnlyList<Run> Runs, IReadOnlyList<string> Problems)
{
    public const int MinRuns = 2;
    public const int MaxRuns = 8;

    /// <summary>The pinned baseline, first of <see cref="Runs"/>; set by <see cref="WithBaseline"/>.</summary>
    public Run? Baseline { get; init; }

    /// <summary>The runs picked in the URL: <see cref="Runs"/> without the baseline (unless it was picked and is not one).</summary>
    public IReadOnlyList<Run> Picked => Baseline is null ? Runs : Runs.Skip(1).ToList();

    /// <summary>Two runs at least, the baseline counted: one picked run can be compared with the baseline.</summary>
    public bool CanCompare => Runs.Count >= MinRuns;

    /// <summary>The ids parameter for the picked runs, so the page can rewrite its URL after an edit.</summary>
    public string IdsParameter => Join(Picked.Select(r => r.Id));

    /// <summary>
    /// This selection measured against <paramref name="baseline"/>: it comes first (also when it was picked; it is not
    /// listed twice) and is not counted against <see cref="MaxRuns"/>. A baseline that has not finished is left out with
    /// a sentence, as a picked run would be.
    /// </summary>
    public CompareSelection WithBaseline(Run? baseline)
    {
        if (baseline is null) return this;
        if (!baseline.IsFinished)
            return this with { Problems = [.. Problems, $"Your baseline '{baseline.Name}' is {baseline.Status.ToString().ToLowerInvariant()}; it joins the comparison once it finishes."] };
        return this with { Runs = [baseline, .. Runs.Where(r => r.Id != baseline.Id)], Baseline = baseline };
    }

    public static string Join(IEnumerable<Guid> ids) => string.Join(",", ids.Select(id => id.ToString()));

    public static CompareSelection Resolve(string? ids, Func<Guid, Run?> lookup)
    {
        var runs = new List<Run>();
        var problems = new List<string>();
        var seen = new HashSet<Guid>();
        var extra = 0;
        foreach (var token in (ids ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Guid.TryParse(token, out var id))
            {
                problems.Add($"'{Shorten(token)}' is not a run id.");
                continue;
            }
            if (!seen.Add(id)) continue;
            var run = lookup(id);
            if (run is null)
                problems.Add($"No run has the id {id}; it may have been deleted.");
            else if (!run.IsFinished)
                problems.Add($"'{run.Name}' is still {run.Status.ToString().ToLowerInvariant()}; it can be compared once it finishes.");
            else if (runs.Count == MaxRuns)
                extra++;
            else
                runs.Add(run);
        }
        if (extra > 0)
            problems.Add($"At most {MaxRuns} runs can be compared at once; the last {extra} were left out.");
        return new CompareSelection(runs, problems);
    }

    private static string Shorten(string token) => token.Length > 40 ? token[..40] + "…" : token;
}
