using System.Globalization;
using Dashboard.Training;
using Dashboard.Training.Schedules;

namespace Dashboard.Web.Components.Pages.NewRun;

/// <summary>A named starting point for the form.</summary>
/// <param name="Id">A short stable key (test ids, URLs).</param>
/// <param name="Name">The button text.</param>
/// <param name="Description">One line on what it sets.</param>
/// <param name="Config">The config it fills the form with.</param>
public sealed record RunPreset(string Id, string Name, string Description, TrainingConfig Config)
{
    public static RunPreset ReportControl { get; } = new("control", "Report control group",
        "The lab report's group 1: 10 epochs, batch 128, lr 1e-3, wd 1e-4.", TrainingConfig.ReportControl);

    public static RunPreset ReportBest { get; } = new("best", "Report best",
        "The report's best configuration: 15 epochs, batch 64, lr 1e-3, wd 1e-4.", TrainingConfig.ReportBest);

    public static RunPreset QuickRun { get; } = new("quick", "Quick run",
        "One epoch on the first 4,000 training images: a result in seconds.", TrainingConfig.ReportControl with { Epochs = 1, TrainSubset = 4000 });

    public static IReadOnlyList<RunPreset> All { get; } = [ReportControl, ReportBest, QuickRun];
}

/// <summary>
/// What the New run form holds. Fields keep whatever the user typed, even when invalid, so that
/// <see cref="Validate"/> can name each bad field with <see cref="TrainingConfig.Validate(bool)"/>'s message.
/// The real-valued fields are text, so both <c>0.001</c> and <c>1e-3</c> are accepted. Config fields
/// the form does not show (or hides for the chosen optimiser or schedule) keep the value of the last applied preset.
/// </summary>
public sealed class RunFormModel
{
    private TrainingConfig _base = TrainingConfig.ReportControl;

    public string? Name { get; set; }
    public string Model { get; set; } = "";
    public int Epochs { get; set; }
    public int BatchSize { get; set; }
    public string LearningRate { get; set; } = "";
    public string WeightDecay { get; set; } = "";
    public OptimizerKind Optimizer { get; set; }
    public string Momentum { get; set; } = "";
    public long Seed { get; set; }
    public DeviceChoice Device { get; set; }
    public int Threads { get; set; }
    public int? TrainSubset { get; set; }

    public int CropPadding { get; set; }
    public bool HorizontalFlip { get; set; }
    public string ErasingProbability { get; set; } = "";
    public string ErasingMinArea { get; set; } = "";
    public string ErasingMaxArea { get; set; } = "";
    public ScheduleKind Schedule { get; set; }
    public int StepSize { get; set; }
    public string StepGamma { get; set; } = "";
    public string MinLearningRate { get; set; } = "";
    public string WarmupFraction { get; set; } = "";
    public string ValidationFraction { get; set; } = "";
    public int EarlyStoppingPatience { get; set; }

    public RunFormModel() => Apply(TrainingConfig.ReportControl);

    /// <summary>Fills every config field from <paramref name="config"/>; the run name is kept.</summary>
    public void Apply(TrainingConfig config)
    {
        _base = config;
        Model = config.Model;
        Epochs = config.Epochs;
        BatchSize = config.BatchSize;
        LearningRate = Show(config.LearningRate);
        WeightDecay = Show(config.WeightDecay);
        Optimizer = config.Optimizer;
        Momentum = Show(config.Momentum);
        Seed = config.Seed;
        Device = config.Device;
        Threads = config.Threads;
        TrainSubset = config.TrainSubset;
        CropPadding = config.CropPadding;
        HorizontalFlip = config.HorizontalFlip;
        ErasingProbability = Show(config.ErasingProbability);
        ErasingMinArea = Show(config.ErasingMinArea);
        ErasingMaxArea = Show(config.ErasingMaxArea);
        Schedule = config.Schedule;
        StepSize = config.StepSize;
        StepGamma = Show(config.StepGamma);
        MinLearningRate = Show(config.MinLearningRate);
        WarmupFraction = Show(config.WarmupFraction);
        ValidationFraction = Show(config.ValidationFraction);
        EarlyStoppingPatience = config.EarlyStoppingPatience;
    }

    /// <summary>
    /// The config and one message per invalid field (keyed by <see cref="TrainingConfig"/> property name);
    /// the config is null when a real-valued field is not a number.
    /// </summary>
    public (TrainingConfig? Config, IReadOnlyDictionary<string, string> Errors) Validate(bool cudaAvailable)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var learningRate = Parse(LearningRate, nameof(TrainingConfig.LearningRate), "Learning rate", "0.001 or 1e-3", errors);
        var weightDecay = Parse(WeightDecay, nameof(TrainingConfig.WeightDecay), "Weight decay", "0.0001 or 1e-4", errors);
        // Momentum is hidden unless SGD is chosen, and only SGD reads it: a stale value there must not block a launch.
        var momentum = Optimizer == OptimizerKind.Sgd
            ? Parse(Momentum, nameof(TrainingConfig.Momentum), "Momentum", "0.9", errors)
            : _base.Momentum;
        var erasing = Parse(ErasingProbability, nameof(TrainingConfig.ErasingProbability), "Erasing probability", "0.5", errors);
        var erasingMin = Parse(ErasingMinArea, nameof(TrainingConfig.ErasingMinArea), "Smallest erased area", "0.02", errors);
        var erasingMax = Parse(ErasingMaxArea, nameof(TrainingConfig.ErasingMaxArea), "Largest erased area", "0.33", errors);
        var validation = Parse(ValidationFraction, nameof(TrainingConfig.ValidationFraction), "Validation fraction", "0.1", errors);
        // Like momentum: a schedule's own settings are shown, and read, only when that schedule is chosen.
        var stepGamma = Schedule == ScheduleKind.Step
            ? Parse(StepGamma, nameof(TrainingConfig.StepGamma), "Step factor", "0.1", errors) : _base.StepGamma;
        var minLearningRate = Schedule == ScheduleKind.Cosine
            ? Parse(MinLearningRate, nameof(TrainingConfig.MinLearningRate), "Minimum learning rate", "0 or 1e-5", errors) : _base.MinLearningRate;
        var warmup = Schedule == ScheduleKind.OneCycle
            ? Parse(WarmupFraction, nameof(TrainingConfig.WarmupFraction), "Warm-up fraction", "0.3", errors) : _base.WarmupFraction;

        var config = _base with
        {
            Model = Model,
            Epochs = Epochs,
            BatchSize = BatchSize,
            LearningRate = learningRate,
            WeightDecay = weightDecay,
            Optimizer = Optimizer,
            Momentum = momentum,
            Seed = Seed,
            Device = Device,
            Threads = Threads,
            TrainSubset = TrainSubset,
            CropPadding = CropPadding,
            HorizontalFlip = HorizontalFlip,
            ErasingProbability = erasing,
            ErasingMinArea = erasingMin,
            ErasingMaxArea = erasingMax,
            Schedule = Schedule,
            StepSize = Schedule == ScheduleKind.Step ? StepSize : _base.StepSize,
            StepGamma = stepGamma,
            MinLearningRate = minLearningRate,
            WarmupFraction = warmup,
            ValidationFraction = validation,
            EarlyStoppingPatience = EarlyStoppingPatience,
        };
        foreach (var error in config.Validate(cudaAvailable))
            errors.TryAdd(error.Field, error.Message);
        return (errors.Count == 0 ? config : null, errors);
    }

    private static double Parse(string text, string field, string label, string example, Dictionary<string, string> errors)
    {
        if (double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return value;
        errors[field] = string.IsNullOrWhiteSpace(text)
            ? $"{label} is required, e.g. {example}."
            : $"{label} must be a number, e.g. {example} (got '{text.Trim()}').";
        return double.NaN;
    }

    private static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
