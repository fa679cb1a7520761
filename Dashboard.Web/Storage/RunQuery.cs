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

/// <summary>One condition on a field: <c>Field Operator Value</c>.</summary>
/// <param name="Field">A key of <see cref="RunFields.Paths"/>.</param>
/// <param name="Operator">One of <see cref="RunFilter.Operators"/>.</param>
/// <param name="Value">A string, number, date or status; a collection of them for "is any of"; null for the emptiness operators.</param>
public sealed record RunFilter(string Field, string Operator, object? Value)
{
    public static IReadOnlySet<string> Operators { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "contains", "not contains", "equals", "not equals", "starts with", "ends with", "is empty", "is not empty",
        "=", "!=", ">", ">=", "<", "<=",
        "is any of",
        "has tag",
    };
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
    /// <summary>Filter with "has tag" (a tag) or "is empty"/"is not empty".</summary>
    public const string Tags = "Tags";
    /// <summary>Filter with "equals" and the study's Guid, or "is empty"/"is not empty".</summary>
    public const string Study = "Study";
    /// <summary>The user who launched the run; "equals" a user name, or "is empty" for runs stored before accounts.</summary>
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
