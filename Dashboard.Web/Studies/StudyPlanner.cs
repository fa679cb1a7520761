using Dashboard.Training;

namespace Dashboard.Web.Studies;

/// <summary>
/// One run a study will queue: its group (1 = the control), a label ("control", or the changed values such
/// as "lr 0.01"), the parameters that differ from the control, its config, and the report's figures for
/// this group when the study is the report's.
/// </summary>
public sealed record PlannedGroup(int Group, string Label, IReadOnlyList<StudyParameter> Varied, TrainingConfig Config, ReportedFigures? Reported);

/// <summary>The runs a design expands to, or why it cannot run. RunCount is counted even when the design is refused.</summary>
public sealed record StudyPlan(IReadOnlyList<PlannedGroup> Groups, int RunCount, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>A halving study's rungs (epochs, the last being every trial's epochs); empty for other modes.</summary>
    public IReadOnlyList<int> Rungs { get; init; } = [];

    /// <summary>Training epochs the plan spends; null when it cannot run.</summary>
    public EpochBudget? Epochs { get; init; }
}

/// <summary>
/// Training epochs of a plan. <see cref="Full"/>: every run trained to its end (a grid of the same trials). A halving
/// study spends <see cref="Expected"/> when each rung keeps exactly its best 1/η, and at most <see cref="WorstCase"/>
/// when early promotions go as badly as they can (see <see cref="AshaScheduler.Budget"/>). Other modes spend Full.
/// </summary>
public sealed record EpochBudget(long Full, long Expected, long WorstCase);

/// <summary>Expands a <see cref="StudyDesign"/> into its runs: pure, so the builder can preview every keystroke.</summary>
public static class StudyPlanner
{
    /// <summary>Most runs one study may queue (a 4-parameter grid grows fast: 3 values each is already 81).</summary>
    public const int MaxRuns = 64;

    public const int MaxNameLength = 100;

    /// <summary>Most alternative values of one parameter: one-at-a-time, the control plus these is already the run cap.</summary>
    public const int MaxValuesPerParameter = MaxRuns - 1;

    public static StudyPlan Expand(StudyDesign design)
    {
        // Sizes first, before any list is examined: a 150,000-value list once kept a core busy for minutes.
        if (Oversized(design) is { Count: > 0 } oversized) return new StudyPlan([], 0, oversized, []);
        var errors = new List<ConfigError>();
        var warnings = new List<string>();
        var control = design.Control;

        if (!Enum.IsDefined(design.Mode))
            errors.Add(new ConfigError("Mode", $"Unknown mode '{design.Mode}'. Choose OneAtATime, Grid, Random or Halving."));
        errors.AddRange(control.Validate().Select(e => e with { Field = "Control." + e.Field }));
        ValidateQuick(design.Quick, errors);
        var rungs = HalvingPlanner.Validate(design, errors);
        if (design.IsRandom) SearchPlanner.Validate(design, errors);
        else ValidateAlternatives(design, errors);
        if (!design.IsRandom && design.Search is not null)
            errors.Add(new ConfigError("Search", "A search space is for random studies and halving studies with random trials; remove it, or choose one of those."));

        var alternatives = StudyParameters.All.Select(p => design.Alternatives.ValuesOf(p).Count).ToList();
        if (!design.IsRandom && alternatives.Sum() == 0)
            errors.Add(new ConfigError("Alternatives", "Add at least one alternative value: a study compares the control with something."));

        var runCount = design.IsRandom ? design.Search?.Budget ?? 0
            : design.Mode is StudyMode.Grid or StudyMode.Halving ? alternatives.Aggregate(1L, (product, n) => product * (n + 1))
            : 1 + alternatives.Sum();
        if (runCount > MaxRuns && !design.IsRandom)
        {
            errors.Add(new ConfigError("Alternatives", design.Mode is StudyMode.Grid or StudyMode.Halving
                ? $"A grid of these values makes {runCount} runs ({string.Join(" × ", alternatives.Select(n => n + 1))}), more than the cap of {MaxRuns}. Remove values, or study one parameter at a time."
                : $"This study makes {runCount} runs, more than the cap of {MaxRuns}. Remove values."));
        }
        var count = (int)Math.Min(runCount, int.MaxValue);
        if (errors.Count > 0) return new StudyPlan([], count, errors, warnings) { Rungs = rungs };

        var groups = design.IsRandom ? SearchPlanner.Groups(design) : design.Mode is StudyMode.Grid or StudyMode.Halving ? GridGroups(design) : OneAtATimeGroups(design);
        if (design.MatchesReport())
            groups = groups.Select(g => g with { Reported = StudyDesign.ReportedResults[g.Group - 1] }).ToList();
        if (design.Mode == StudyMode.Halving) groups = HalvingPlanner.ToTrials(groups, rungs);

        foreach (var same in groups.GroupBy(g => g.Config).Where(g => g.Count() > 1))
            warnings.Add($"Groups {string.Join(" and ", same.Select(g => g.Group))} train the same configuration{(design.Quick is null ? "" : " after the quick-run override")}.");
        var full = groups.Sum(g => (long)g.Config.Epochs);
        var budget = design.Mode == StudyMode.Halving
            ? AshaScheduler.Budget(groups.Count, rungs, design.Halving!.Reduction)
            : new EpochBudget(full, full, full);
        return new StudyPlan(groups, count, errors, warnings) { Rungs = rungs, Epochs = budget };
    }

    private static void ValidateAlternatives(StudyDesign design, List<ConfigError> errors)
    {
        var control = design.Control;
        foreach (var p in StudyParameters.All)
        {
            var values = design.Alternatives.ValuesOf(p);
            var controlValue = StudyParameters.Get(control, p);
            var repeated = values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            foreach (var value in values.Distinct())
            {
                var shown = StudyParameters.Format(p, value);
                if (repeated.Contains(value))
                    errors.Add(new ConfigError(p.ToString(), $"{StudyParameters.Label(p)} {shown} is listed twice."));
                if (value == controlValue)
                    errors.Add(new ConfigError(p.ToString(), $"{StudyParameters.Label(p)} {shown} is the control's value; the control group already runs it."));
                var fieldErrors = StudyParameters.With(control, p, value).Validate().Where(e => e.Field == ConfigField(p));
                errors.AddRange(fieldErrors.Select(e => new ConfigError(p.ToString(), e.Message)));
            }
        }
    }

    private static List<PlannedGroup> OneAtATimeGroups(StudyDesign design)
    {
        var groups = new List<PlannedGroup> { new(1, "control", [], Quick(design, design.Control), null) };
        foreach (var p in StudyParameters.All)
        {
            foreach (var value in design.Alternatives.ValuesOf(p))
            {
                var config = Quick(design, StudyParameters.With(design.Control, p, value));
                groups.Add(new PlannedGroup(groups.Count + 1, Label([p], config), [p], config, null));
            }
        }
        return groups;
    }

    // Lexicographic over the parameters in Table 1's order, the control's value first in each, so group 1 is the control.
    private static List<PlannedGroup> GridGroups(StudyDesign design)
    {
        IEnumerable<TrainingConfig> combos = [design.Control];
        foreach (var p in StudyParameters.All)
        {
            var values = design.Alternatives.ValuesOf(p).Prepend(StudyParameters.Get(design.Control, p)).ToList();
            combos = combos.SelectMany(c => values.Select(v => StudyParameters.With(c, p, v)));
        }
        return combos.Select((config, i) =>
        {
            var varied = StudyParameters.All.Where(p => StudyParameters.Get(config, p) != StudyParameters.Get(design.Control, p)).ToList();
            var quick = Quick(design, config);
            return new PlannedGroup(i + 1, varied.Count == 0 ? "control" : Label(varied, quick), varied, quick, null);
        }).ToList();
    }

    internal static string Label(IReadOnlyList<StudyParameter> varied, TrainingConfig config) =>
        string.Join(" · ", varied.Select(p => $"{StudyParameters.Short(p)} {StudyParameters.FormatValue(config, p)}"));

    /// <summary>Applies the quick-run override. Epochs scale with the control's, so "5 and 15 around 10" stays "shorter and longer".</summary>
    internal static TrainingConfig Quick(StudyDesign design, TrainingConfig config)
    {
        if (design.Quick is not { } quick) return config;
        if (quick.TrainSubset is { } subset) config = config with { TrainSubset = subset };
        if (quick.Epochs is { } epochs)
        {
            var scaled = Math.Round(config.Epochs * (double)epochs / design.Control.Epochs, MidpointRounding.AwayFromZero);
            config = config with { Epochs = (int)Math.Clamp(scaled, TrainingConfig.Limits.MinEpochs, TrainingConfig.Limits.MaxEpochs) };
        }
        return config;
    }

    private static List<ConfigError> Oversized(StudyDesign design)
    {
        var errors = new List<ConfigError>();
        if (design.Name.Length > MaxNameLength)
            errors.Add(new ConfigError("Name", $"The name can be at most {MaxNameLength} characters (got {design.Name.Length:N0})."));
        foreach (var p in StudyParameters.All)
        {
            var count = Count(design.Alternatives, p);
            if (count > MaxValuesPerParameter)
                errors.Add(new ConfigError(p.ToString(),
                    $"{StudyParameters.Label(p)}: {count:N0} values, more than the {MaxValuesPerParameter} a study can run (at most {MaxRuns} runs with the control). Nothing was examined."));
        }
        SearchPlanner.Oversized(design.Search, errors);
        return errors;
    }

    private static int Count(StudyAlternatives a, StudyParameter p) => p switch
    {
        StudyParameter.LearningRate => a.LearningRates.Count,
        StudyParameter.WeightDecay => a.WeightDecays.Count,
        StudyParameter.BatchSize => a.BatchSizes.Count,
        _ => a.Epochs.Count,
    };

    private static void ValidateQuick(QuickRun? quick, List<ConfigError> errors)
    {
        if (quick?.TrainSubset is { } subset && subset is < 1 or > TrainingConfig.Limits.MaxBatchSize)
            errors.Add(new ConfigError("Quick.TrainSubset", $"The quick-run subset must be between 1 and {TrainingConfig.Limits.MaxBatchSize:N0} images (got {subset})."));
        if (quick?.Epochs is { } epochs && epochs is < TrainingConfig.Limits.MinEpochs or > TrainingConfig.Limits.MaxEpochs)
            errors.Add(new ConfigError("Quick.Epochs", $"The quick-run epochs must be between {TrainingConfig.Limits.MinEpochs} and {TrainingConfig.Limits.MaxEpochs} (got {epochs})."));
    }

    internal static string ConfigField(StudyParameter p) => p switch
    {
        StudyParameter.LearningRate => nameof(TrainingConfig.LearningRate),
        StudyParameter.WeightDecay => nameof(TrainingConfig.WeightDecay),
        StudyParameter.BatchSize => nameof(TrainingConfig.BatchSize),
        _ => nameof(TrainingConfig.Epochs),
    };
}
