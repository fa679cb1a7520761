using System.Globalization;
using Dashboard.Training;
using Dashboard.Training.Schedules;

namespace Dashboard.Web.Studies;

/// <summary>
/// The study builder's form state: the control's fields, the alternatives as typed ("0.01, 0.1") and the
/// quick-run switch. Turns into a <see cref="StudyDesign"/>, so the page only binds fields.
/// </summary>
public sealed class StudyBuilderModel
{
    /// <summary>Fields the form does not show (seed, threads, device…) come from here.</summary>
    private TrainingConfig _base = TrainingConfig.ReportControl;

    public string Name { get; set; } = "";
    public StudyMode Mode { get; set; } = StudyMode.OneAtATime;
    public string Model { get; set; } = TrainingConfig.ReportControl.Model;
    public OptimizerKind Optimizer { get; set; } = TrainingConfig.ReportControl.Optimizer;
    public int Epochs { get; set; } = TrainingConfig.ReportControl.Epochs;
    public int BatchSize { get; set; } = TrainingConfig.ReportControl.BatchSize;
    /// <summary>Text, so that "1e-3" can be typed.</summary>
    public string LearningRate { get; set; } = StudyParameters.FormatValue(TrainingConfig.ReportControl, StudyParameter.LearningRate);
    public string WeightDecay { get; set; } = StudyParameters.FormatValue(TrainingConfig.ReportControl, StudyParameter.WeightDecay);
    public string LearningRates { get; set; } = "";
    public string WeightDecays { get; set; } = "";
    public string BatchSizes { get; set; } = "";
    public string EpochValues { get; set; } = "";
    public bool QuickRun { get; set; }
    public int QuickSubset { get; set; } = 2000;
    public int QuickEpochs { get; set; } = 1;

    // Random search (and halving over random trials). Ranges as text, so that "1e-4" can be typed.
    public bool SearchLearningRate { get; set; } = true;
    public string LearningRateMin { get; set; } = "1e-4";
    public string LearningRateMax { get; set; } = "1e-2";
    public bool SearchWeightDecay { get; set; } = true;
    public string WeightDecayMin { get; set; } = "1e-6";
    public string WeightDecayMax { get; set; } = "1e-3";
    public bool IncludeZeroWeightDecay { get; set; }
    public string BatchChoices { get; set; } = "64, 128, 256";
    /// <summary>Empty keeps the control's (and so for the other choices).</summary>
    public IReadOnlyCollection<string> ModelChoices { get; set; } = [];
    public IReadOnlyCollection<bool> AugmentationChoices { get; set; } = [];
    public IReadOnlyCollection<ScheduleKind> ScheduleChoices { get; set; } = [];
    public int Budget { get; set; } = 12;
    public long Seed { get; set; } = 1;

    // Halving.
    public HalvingTrials HalvingTrials { get; set; } = HalvingTrials.Grid;
    public int MinEpochs { get; set; } = 1;
    public int MaxEpochs { get; set; } = 9;
    public int Reduction { get; set; } = 3;

    /// <summary>Whether the form shows the search space (random study, or halving over random trials).</summary>
    public bool ShowsSearch => Mode == StudyMode.Random || Mode == StudyMode.Halving && HalvingTrials == HalvingTrials.Random;

    /// <summary>Whether the form shows alternative values (the other modes); a halving study has no epoch alternatives.</summary>
    public bool ShowsAlternatives => !ShowsSearch;

    public static StudyBuilderModel From(StudyDesign design)
    {
        var c = design.Control;
        var a = design.Alternatives;
        return new StudyBuilderModel
        {
            _base = c,
            Name = design.Name,
            Mode = design.Mode,
            Model = c.Model,
            Optimizer = c.Optimizer,
            Epochs = c.Epochs,
            BatchSize = c.BatchSize,
            LearningRate = StudyParameters.FormatValue(c, StudyParameter.LearningRate),
            WeightDecay = StudyParameters.FormatValue(c, StudyParameter.WeightDecay),
            LearningRates = StudyParameters.FormatList(StudyParameter.LearningRate, a.LearningRates),
            WeightDecays = StudyParameters.FormatList(StudyParameter.WeightDecay, a.WeightDecays),
            BatchSizes = StudyParameters.FormatList(StudyParameter.BatchSize, a.BatchSizes.Select(v => (double)v)),
            EpochValues = StudyParameters.FormatList(StudyParameter.Epochs, a.Epochs.Select(v => (double)v)),
            QuickRun = design.Quick is not null,
            QuickSubset = design.Quick?.TrainSubset ?? 2000,
            QuickEpochs = design.Quick?.Epochs ?? 1,
        }.WithSearch(design.Search).WithHalving(design.Halving);
    }

    private StudyBuilderModel WithSearch(SearchSpace? space)
    {
        if (space is null) return this;
        SearchLearningRate = space.LearningRate is not null;
        if (space.LearningRate is { } lr) (LearningRateMin, LearningRateMax) = (Text(lr.Min), Text(lr.Max));
        SearchWeightDecay = space.WeightDecay is not null;
        if (space.WeightDecay is { } wd) (WeightDecayMin, WeightDecayMax) = (Text(wd.Min), Text(wd.Max));
        IncludeZeroWeightDecay = space.IncludeZeroWeightDecay;
        BatchChoices = string.Join(", ", space.BatchSizes);
        ModelChoices = [.. space.Models];
        AugmentationChoices = [.. space.Augmentation];
        ScheduleChoices = [.. space.Schedules];
        Budget = space.Budget;
        Seed = space.Seed;
        return this;
    }

    private StudyBuilderModel WithHalving(HalvingSettings? halving)
    {
        if (halving is null) return this;
        (HalvingTrials, MinEpochs, MaxEpochs, Reduction) = (halving.Trials, halving.MinEpochs, halving.MaxEpochs, halving.Reduction);
        return this;
    }

    private static string Text(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    public string AlternativesText(StudyParameter p) => p switch
    {
        StudyParameter.LearningRate => LearningRates,
        StudyParameter.WeightDecay => WeightDecays,
        StudyParameter.BatchSize => BatchSizes,
        _ => EpochValues,
    };

    public void SetAlternativesText(StudyParameter p, string? text)
    {
        switch (p)
        {
            case StudyParameter.LearningRate: LearningRates = text ?? ""; break;
            case StudyParameter.WeightDecay: WeightDecays = text ?? ""; break;
            case StudyParameter.BatchSize: BatchSizes = text ?? ""; break;
            default: EpochValues = text ?? ""; break;
        }
    }

    /// <summary>The design and the values that could not be read; those are left out of the design.</summary>
    public (StudyDesign Design, IReadOnlyList<ConfigError> ParseErrors) ToDesign()
    {
        var errors = new List<ConfigError>();
        var learningRate = ParseControl(StudyParameter.LearningRate, LearningRate, errors);
        var weightDecay = ParseControl(StudyParameter.WeightDecay, WeightDecay, errors);
        var alternatives = new StudyAlternatives();
        // Only what the form shows counts: a random space has no alternatives, a halving study no epoch alternatives.
        foreach (var p in ShowsAlternatives ? StudyParameters.All.Where(p => Mode != StudyMode.Halving || p != StudyParameter.Epochs) : [])
        {
            var (values, parseErrors) = StudyParameters.Parse(p, AlternativesText(p));
            errors.AddRange(parseErrors);
            alternatives = alternatives.With(p, values);
        }
        var halving = Mode == StudyMode.Halving;
        var design = new StudyDesign
        {
            Name = Name.Trim(),
            Mode = Mode,
            Control = _base with
            {
                Model = Model,
                Optimizer = Optimizer,
                // A halving study's trials all train to its max epochs.
                Epochs = halving ? Math.Clamp(MaxEpochs, TrainingConfig.Limits.MinEpochs, TrainingConfig.Limits.MaxEpochs) : Epochs,
                BatchSize = BatchSize,
                LearningRate = learningRate,
                WeightDecay = weightDecay,
            },
            Alternatives = alternatives,
            Quick = QuickRun ? new QuickRun { TrainSubset = QuickSubset, Epochs = halving ? null : QuickEpochs } : null,
            Search = ShowsSearch ? Space(errors) : null,
            Halving = halving ? new HalvingSettings { Trials = HalvingTrials, MinEpochs = MinEpochs, MaxEpochs = MaxEpochs, Reduction = Reduction } : null,
        };
        return (design, errors);
    }

    private SearchSpace Space(List<ConfigError> errors)
    {
        LogRange? Range(bool on, string min, string max, string field, string label)
        {
            if (!on) return null;
            if (Number(min) is { } lo && Number(max) is { } hi) return new LogRange { Min = lo, Max = hi };
            errors.Add(new ConfigError(field, $"{label} range: type two numbers, e.g. 1e-4 and 1e-2 (got '{min}' and '{max}')."));
            return null;
        }
        var (batches, batchErrors) = StudyParameters.Parse(StudyParameter.BatchSize, BatchChoices);
        errors.AddRange(batchErrors.Select(e => e with { Field = "Search.BatchSizes" }));
        return new SearchSpace
        {
            LearningRate = Range(SearchLearningRate, LearningRateMin, LearningRateMax, "Search.LearningRate", "Learning rate"),
            WeightDecay = Range(SearchWeightDecay, WeightDecayMin, WeightDecayMax, "Search.WeightDecay", "Weight decay"),
            IncludeZeroWeightDecay = SearchWeightDecay && IncludeZeroWeightDecay,
            BatchSizes = [.. batches.Select(b => (int)b)],
            Models = [.. ModelChoices],
            Augmentation = [.. AugmentationChoices.Order()],
            Schedules = [.. ScheduleChoices.Order()],
            Budget = Budget,
            Seed = Seed,
        };
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private double ParseControl(StudyParameter p, string text, List<ConfigError> errors)
    {
        var (values, parseErrors) = StudyParameters.Parse(p, text);
        if (parseErrors.Count == 0 && values.Count == 1) return values[0];
        errors.Add(new ConfigError("Control." + p, $"The control's {StudyParameters.Label(p).ToLowerInvariant()} must be one number, e.g. 0.001 or 1e-3 (got '{text}')."));
        return StudyParameters.Get(_base, p);
    }

    /// <summary>What launching now would queue; unreadable values count as errors.</summary>
    public StudyPlan Preview()
    {
        var (design, parseErrors) = ToDesign();
        var plan = StudyPlanner.Expand(design);
        return parseErrors.Count == 0 ? plan : plan with { Groups = [], Errors = [.. parseErrors, .. plan.Errors], Epochs = null };
    }
}
