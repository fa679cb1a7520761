using System.Collections;
using System.Globalization;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Analysis;

/// <summary>
/// A <see cref="RunFilter"/> as URL text, <c>Field:Match:Value</c> (<c>Model:Equal:BnCnn</c>, <c>Status:AnyOf:Completed,Failed</c>),
/// so the runs list can hand its filters to the analysis page and a link keeps them. Reading is strict: a known field,
/// a known match and a value of the field's kind, or a message.
/// </summary>
public static class RunFilterText
{
    public const int MaxLength = 300;

    private static readonly HashSet<string> Numbers =
        [RunFields.Epochs, RunFields.BatchSize, RunFields.LearningRate, RunFields.WeightDecay, RunFields.Accuracy, RunFields.MacroF1, RunFields.TrainingSeconds];

    public static string Format(RunFilter filter) => $"{filter.Field}:{filter.Match}:{FormatValue(filter.Value)}";

    private static string FormatValue(object? value) => value switch
    {
        null => "",
        string s => s,
        DateTime d => d.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        Guid g => g.ToString("D"),
        IEnumerable list => string.Join(",", list.Cast<object?>().Select(FormatValue)),
        IConvertible c => c.ToString(CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    /// <summary>The filter, or a sentence saying what is wrong with <paramref name="text"/>.</summary>
    public static (RunFilter? Filter, string? Error) Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return (null, "An empty filter: write Field:Match:Value.");
        if (text.Length > MaxLength) return (null, $"A filter is at most {MaxLength} characters.");
        var parts = text.Split(':', 3);
        if (parts.Length < 2) return (null, $"'{Shorten(text)}' is not a filter: write Field:Match:Value, e.g. Model:Equal:BnCnn.");
        var field = RunFields.Paths.Keys.FirstOrDefault(f => string.Equals(f, parts[0], StringComparison.OrdinalIgnoreCase));
        if (field is null) return (null, $"Cannot filter on '{Shorten(parts[0])}'. Fields: {string.Join(", ", RunFields.Paths.Keys)}.");
        if (!Enum.TryParse<FilterMatch>(parts[1], ignoreCase: true, out var match) || !Enum.IsDefined(match))
            return (null, $"Unknown match '{Shorten(parts[1])}'. Matches: {string.Join(", ", Enum.GetNames<FilterMatch>())}.");
        var raw = parts.Length == 3 ? parts[2] : "";
        if (match is FilterMatch.Empty or FilterMatch.NotEmpty) return (new RunFilter(field, match, null), null);
        if (match == FilterMatch.AnyOf)
        {
            var values = raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => ValueOf(field, v)).ToList();
            if (values.FirstOrDefault(v => v.Error is not null).Error is { } error) return (null, error);
            return (new RunFilter(field, match, values.Select(v => v.Value).ToList()), null);
        }
        var (value, problem) = ValueOf(field, raw);
        return problem is null ? (new RunFilter(field, match, value), null) : (null, problem);
    }

    private static (object? Value, string? Error) ValueOf(string field, string text)
    {
        if (Numbers.Contains(field))
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                ? (number, null) : (null, $"{field} needs a number, not '{Shorten(text)}'.");
        return field switch
        {
            RunFields.Status => Enum.TryParse<RunStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status)
                ? (status, null) : (null, $"Unknown status '{Shorten(text)}'. Statuses: {string.Join(", ", Enum.GetNames<RunStatus>())}."),
            RunFields.Study => Guid.TryParse(text, out var id) ? (id, null) : (null, $"Study needs a study id, not '{Shorten(text)}'."),
            RunFields.Created => DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var when)
                ? (when, null) : (null, $"Created needs a date such as 2026-01-31T00:00:00Z, not '{Shorten(text)}'."),
            _ => (text, null),
        };
    }

    /// <summary>The filter in words for the page: <c>Model equal BnCnn</c>.</summary>
    public static string Describe(RunFilter filter) => filter.Match switch
    {
        FilterMatch.Empty or FilterMatch.NotEmpty => $"{filter.Field} {Words(filter.Match)}",
        _ => $"{filter.Field} {Words(filter.Match)} {(filter.Field == RunFields.Accuracy && filter.Value is double a ? $"{a * 100:G4} %" : FormatValue(filter.Value))}",
    };

    private static string Words(FilterMatch match) => match switch
    {
        FilterMatch.Equal => "=",
        FilterMatch.NotEqual => "≠",
        FilterMatch.Greater => ">",
        FilterMatch.GreaterOrEqual => "≥",
        FilterMatch.Less => "<",
        FilterMatch.LessOrEqual => "≤",
        FilterMatch.NotContains => "does not contain",
        FilterMatch.StartsWith => "starts with",
        FilterMatch.EndsWith => "ends with",
        FilterMatch.Empty => "is empty",
        FilterMatch.NotEmpty => "is not empty",
        FilterMatch.AnyOf => "is one of",
        FilterMatch.Includes => "includes",
        _ => "contains",
    };

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
