namespace Dashboard.Web.Comparison;

/// <summary>Which entries of a column are the best, for marking in tables.</summary>
public static class Best
{
    /// <summary>
    /// Indices holding the best value (every one of them on a tie). None when fewer than two values
    /// are present or all are equal: a mark that singles nothing out would only be noise.
    /// </summary>
    public static IReadOnlySet<int> Of(IReadOnlyList<double?> values, bool lowerIsBetter = false)
    {
        var present = values.Select((v, i) => (Value: v, Index: i)).Where(x => x.Value is { } d && double.IsFinite(d)).ToList();
        if (present.Count < 2 || present.All(x => x.Value == present[0].Value)) return new HashSet<int>();
        var best = lowerIsBetter ? present.Min(x => x.Value!.Value) : present.Max(x => x.Value!.Value);
        return present.Where(x => x.Value == best).Select(x => x.Index).ToHashSet();
    }
}
