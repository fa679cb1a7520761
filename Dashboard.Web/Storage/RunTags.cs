using System.Text.RegularExpressions;

namespace Dashboard.Web.Storage;

/// <summary>The rules for tags and notes, shared by the store, the API and the editor.</summary>
public static partial class RunTags
{
    public const int MaxTagLength = 40;
    public const int MaxTags = 20;
    public const int MaxNoteLength = 4000;
    /// <summary>Most tags one request may send, duplicates and blanks included: checked before any is normalised.</summary>
    public const int MaxTagsSent = 5 * MaxTags;

    /// <summary>
    /// Trimmed, lower-case, inner whitespace as one '-', duplicates and blanks dropped, order kept.
    /// Lower case so that a tag filter (FilterMatch.Includes) can match exactly (and use the index) without case games.
    /// </summary>
    public static List<string> Normalize(IEnumerable<string?> tags) =>
        tags.Select(Normalize).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    public static string Normalize(string? tag) =>
        Whitespace().Replace((tag ?? "").Trim().ToLowerInvariant(), "-");

    /// <summary>Why these tags cannot be stored, or null when they can.</summary>
    public static string? Validate(IReadOnlyList<string> normalized)
    {
        if (normalized.Count > MaxTags) return $"A run can have at most {MaxTags} tags (got {normalized.Count}).";
        var tooLong = normalized.FirstOrDefault(t => t.Length > MaxTagLength);
        return tooLong is null ? null : $"Tag '{tooLong}' is longer than {MaxTagLength} characters.";
    }

    public static string? ValidateNote(string? note) =>
        note is { Length: > MaxNoteLength } ? $"A note can be at most {MaxNoteLength} characters (got {note.Length})." : null;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
