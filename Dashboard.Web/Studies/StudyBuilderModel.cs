using Dashboard.Training;

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
        };
    }

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
        foreach (var p in StudyParameters.All)
        {
            var (values, parseErrors) = StudyParameters.Parse(p, AlternativesText(p));
            errors.AddRange(parseErrors);
            alternatives = alternatives.With(p, values);
        }
        var design = new StudyDesign
        {
            Name = Name.Trim(),
            Mode = Mode,
            Control = _base with
            {
                Model = Model,
                Optimizer = Optimizer,
                Epochs = Epochs,
                BatchSize = BatchSize,
                LearningRate = learningRate,
                WeightDecay = weightDecay,
            },
            Alternatives = alternatives,
            Quick = QuickRun ? new QuickRun { TrainSubset = QuickSubset, Epochs = QuickEpochs } : null,
        };
        return (design, errors);
    }

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
        return parseErrors.Count == 0 ? plan : plan with { Groups = [], Errors = [.. parseErrors, .. plan.Errors] };
    }
}
