namespace Dashboard.Web.Storage;

/// <summary>A page of the runs list: sorting, filtering and paging done by the database.</summary>
public sealed record RunQuery
{
    public int Skip { get; init; }
    public int Take { get; init; } = 25;
    /// <summary>A key of <see cref="RunFields.Paths"/>; default newest first.</summary>
    public string SortBy { get; init; } = RunFields.Created;
    public bool Descending { get; init; } = true;
    public IReadOnlyList<RunFilter> Filters { get; init; } = [];
}

/// <summary>One condition on a field: <c>Field Match Value</c>.</summary>
/// <param name="Field">A key of <see cref="RunFields.Paths"/>.</param>
/// <param name="Match">How the field is compared with the value.</param>
/// <param name="Value">A string, number, date, Guid or status; a collection of them for <see cref="FilterMatch.AnyOf"/>; null for the emptiness tests.</param>
public sealed record RunFilter(string Field, FilterMatch Match, object? Value);

/// <summary>
/// How a <see cref="RunFilter"/> compares its field with its value, in the store's terms. Screens translate
/// their own words into these (the runs grid: <c>RunGridQuery</c>).
/// </summary>
public enum FilterMatch
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    /// <summary>Text, ignoring case (also <see cref="NotContains"/>, <see cref="StartsWith"/>, <see cref="EndsWith"/>).</summary>
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    /// <summary>Null or blank; a list field with no items.</summary>
    Empty,
    NotEmpty,
    /// <summary>Equal to one of the values of a collection; an empty collection matches nothing.</summary>
    AnyOf,
    /// <summary>A list field holds the value (tags, compared normalised).</summary>
    Includes,
}

/// <summary>A page of runs and the number of runs matching the filters.</summary>
public sealed record RunPage(IReadOnlyList<Run> Items, int Total);

/// <summary>The fields the runs list may sort and filter on, with their document paths.</summary>
public static class RunFields
{
    public const string Name = "Name";
    public const string Status = "Status";
    public const string Model = "Model";
    public const string Epochs = "Epochs";
    public const string BatchSize = "BatchSize";
    public const string LearningRate = "LearningRate";
    public const string WeightDecay = "WeightDecay";
    public const string Accuracy = "Accuracy";
    public const string MacroF1 = "MacroF1";
    public const string TrainingSeconds = "TrainingSeconds";
    public const string Created = "Created";
    /// <summary>Filter with <see cref="FilterMatch.Includes"/> (a tag) or <see cref="FilterMatch.Empty"/>/<see cref="FilterMatch.NotEmpty"/>.</summary>
    public const string Tags = "Tags";
    /// <summary>Filter with <see cref="FilterMatch.Equal"/> and the study's Guid, or <see cref="FilterMatch.Empty"/>/<see cref="FilterMatch.NotEmpty"/>.</summary>
    public const string Study = "Study";
    /// <summary>The user who launched the run; <see cref="FilterMatch.Equal"/> a user name, or <see cref="FilterMatch.Empty"/> for runs stored before accounts.</summary>
    public const string CreatedBy = "CreatedBy";

    public static IReadOnlyDictionary<string, string> Paths { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Name] = "$.Name",
        [Status] = "$.Status",
        [Model] = "$.Config.Model",
        [Epochs] = "$.Config.Epochs",
        [BatchSize] = "$.Config.BatchSize",
        [LearningRate] = "$.Config.LearningRate",
        [WeightDecay] = "$.Config.WeightDecay",
        [Accuracy] = "$.Accuracy",
        [MacroF1] = "$.MacroF1",
        [TrainingSeconds] = "$.TrainingSeconds",
        [Created] = "$.CreatedUtc",
        [Tags] = "$.Tags[*]",
        [Study] = "$.StudyId",
        [CreatedBy] = "$.CreatedBy",
    };
}
