using System.Collections;
using Dashboard.Web.Storage;
using MudBlazor;

namespace Dashboard.Web.Components.Pages.Runs;

/// <summary>
/// Turns the runs grid's state (page, sort, column filters) into a <see cref="RunQuery"/>, so that
/// LiteDB sorts, filters and pages. Columns are known by their property name.
/// </summary>
public static class RunGridQuery
{
    /// <summary>The grid's accuracy column shows and filters in percent; the store holds fractions.</summary>
    public const string PercentField = RunFields.Accuracy;

    /// <summary>Operators offered on the Created column: a date picks a whole day, so equality is left out.</summary>
    public static HashSet<string> CreatedOperators { get; } =
    [
        FilterOperator.DateTime.After, FilterOperator.DateTime.OnOrAfter, FilterOperator.DateTime.Before, FilterOperator.DateTime.OnOrBefore,
    ];

    public static RunQuery From(GridState<Run> state)
    {
        var sort = state.SortDefinitions.OrderBy(s => s.Index).Select(s => (Field: FieldFor(s.SortBy), s.Descending)).FirstOrDefault(s => s.Field is not null);
        return new RunQuery
        {
            Skip = state.Page * state.PageSize,
            Take = state.PageSize,
            SortBy = sort.Field ?? RunFields.Created,
            Descending = sort.Field is null || sort.Descending,
            Filters = state.FilterDefinitions.SelectMany(f => ToFilters(FieldFor(f.Column?.PropertyName), f.Operator, f.Value)).ToList(),
        };
    }

    /// <summary>
    /// The <see cref="RunFields"/> key of a grid column's property name (MudBlazor gives the member path,
    /// e.g. <c>Config.Epochs</c>), or null for a column the store cannot sort or filter.
    /// </summary>
    public static string? FieldFor(string? propertyName) => propertyName switch
    {
        nameof(Run.CreatedUtc) => RunFields.Created,
        RunFields.Name or RunFields.Status or RunFields.Accuracy or RunFields.MacroF1 or RunFields.TrainingSeconds or RunFields.CreatedBy => propertyName,
        "Config." + RunFields.Model => RunFields.Model,
        "Config." + RunFields.Epochs => RunFields.Epochs,
        "Config." + RunFields.BatchSize => RunFields.BatchSize,
        "Config." + RunFields.LearningRate => RunFields.LearningRate,
        "Config." + RunFields.WeightDecay => RunFields.WeightDecay,
        _ => null,
    };

    /// <summary>One grid filter as store filters: none while the user has not given a value yet, two for a whole day.</summary>
    /// <exception cref="ArgumentException">An operator the grid does not offer.</exception>
    public static IEnumerable<RunFilter> ToFilters(string? field, string? op, object? value)
    {
        if (field is null || string.IsNullOrEmpty(op)) yield break;
        if (op is FilterOperator.String.Empty or FilterOperator.String.NotEmpty)
        {
            yield return new RunFilter(field, MatchFor(op), null);
            yield break;
        }
        // A filter being edited in the grid has no value yet; MudBlazor itself ignores those.
        if (value is null or "" || value is ICollection { Count: 0 }) yield break;
        if (field == PercentField && value is IConvertible percent and not string)
            value = percent.ToDouble(System.Globalization.CultureInfo.InvariantCulture) / 100;

        if (value is DateTime day && WholeDay(field, op, day) is { } days)
        {
            foreach (var filter in days) yield return filter;
            yield break;
        }
        yield return new RunFilter(field, MatchFor(op), value);
    }

    /// <summary>A date from the picker means the whole (local) day; null for an operator that is not about days.</summary>
    private static RunFilter[]? WholeDay(string field, string op, DateTime day)
    {
        var next = day.Date.AddDays(1);
        return op switch
        {
            FilterOperator.DateTime.Is => [new(field, FilterMatch.GreaterOrEqual, day.Date), new(field, FilterMatch.Less, next)],
            FilterOperator.DateTime.After => [new(field, FilterMatch.GreaterOrEqual, next)],
            FilterOperator.DateTime.OnOrAfter => [new(field, FilterMatch.GreaterOrEqual, day.Date)],
            FilterOperator.DateTime.Before => [new(field, FilterMatch.Less, day.Date)],
            FilterOperator.DateTime.OnOrBefore => [new(field, FilterMatch.Less, next)],
            _ => null,
        };
    }

    /// <summary>The store's comparison for one of MudBlazor's filter operators (the words its column menus show).</summary>
    public static FilterMatch MatchFor(string op) => op switch
    {
        FilterOperator.String.Contains => FilterMatch.Contains,
        FilterOperator.String.NotContains => FilterMatch.NotContains,
        FilterOperator.String.StartsWith => FilterMatch.StartsWith,
        FilterOperator.String.EndsWith => FilterMatch.EndsWith,
        FilterOperator.String.Equal or FilterOperator.Number.Equal or FilterOperator.Enum.Is => FilterMatch.Equal,
        FilterOperator.String.NotEqual or FilterOperator.Number.NotEqual or FilterOperator.Enum.IsNot => FilterMatch.NotEqual,
        FilterOperator.Number.GreaterThan => FilterMatch.Greater,
        FilterOperator.Number.GreaterThanOrEqual => FilterMatch.GreaterOrEqual,
        FilterOperator.Number.LessThan => FilterMatch.Less,
        FilterOperator.Number.LessThanOrEqual => FilterMatch.LessOrEqual,
        FilterOperator.String.Empty => FilterMatch.Empty,
        FilterOperator.String.NotEmpty => FilterMatch.NotEmpty,
        FilterOperator.Enum.IsAnyOf => FilterMatch.AnyOf,
        _ => throw new ArgumentException($"The runs grid does not filter with '{op}'."),
    };
}
