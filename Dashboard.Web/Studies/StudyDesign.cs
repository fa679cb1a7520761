using System.Globalization;
using Dashboard.Training;

namespace Dashboard.Web.Studies;

/// <summary>The hyperparameters a study varies, in the order of the report's Table 1.</summary>
public enum StudyParameter
{
    LearningRate,
    WeightDecay,
    BatchSize,
    Epochs,
}

public enum StudyMode
{
    /// <summary>The report's method: the control, then one run per alternative value with only that parameter changed.</summary>
    OneAtATime,
    /// <summary>Every combination of the control's and the alternative values.</summary>
    Grid,
    /// <summary>Configurations drawn from a <see cref="SearchSpace"/> with a seed, each a full run.</summary>
    Random,
    /// <summary>
    /// Asynchronous successive halving (ASHA) over a grid or a random sample: every trial trains to the first rung,
    /// the best 1/η of each rung continue from their checkpoint to the next, the others stop early (<see cref="HalvingSettings"/>).
    /// </summary>
    Halving,
}

/// <summary>Where a halving study's trials come from.</summary>
public enum HalvingTrials
{
    /// <summary>Every combination of the control's and the alternative learning rates, weight decays and batch sizes.</summary>
    Grid,
    /// <summary>The configurations of the design's <see cref="SearchSpace"/>.</summary>
    Random,
}

/// <summary>
/// Successive halving: epochs are the resource. Every trial is one run of <see cref="MaxEpochs"/> epochs (so its
/// learning-rate schedule is the full run's), paused at each rung: <see cref="MinEpochs"/> r, then r·η, r·η², … below
/// <see cref="MaxEpochs"/> R, and R itself. At each rung the best 1/η continue (<see cref="AshaScheduler"/>).
/// </summary>
public sealed record HalvingSettings
{
    public const int MinReduction = 2, MaxReduction = 10;

    public HalvingTrials Trials { get; init; } = HalvingTrials.Grid;
    /// <summary>r: the first rung's epoch.</summary>
    public int MinEpochs { get; init; } = 1;
    /// <summary>R: every trial's epochs, and the last rung.</summary>
    public int MaxEpochs { get; init; } = 9;
    /// <summary>η: the rungs are η times apart, and the best 1/η of a rung continue.</summary>
    public int Reduction { get; init; } = 3;

    /// <summary>The rungs' epochs, the last being <see cref="MaxEpochs"/>; empty when the settings are invalid.</summary>
    public IReadOnlyList<int> Rungs()
    {
        if (MinEpochs < 1 || MaxEpochs <= MinEpochs || Reduction < MinReduction) return [];
        var rungs = new List<int>();
        for (long epoch = MinEpochs; epoch < MaxEpochs; epoch *= Reduction) rungs.Add((int)epoch);
        rungs.Add(MaxEpochs);
        return rungs;
    }
}

/// <summary>Alternative values per parameter, each list in the order its runs are queued.</summary>
public sealed record StudyAlternatives
{
    public List<double> LearningRates { get; init; } = [];
    public List<double> WeightDecays { get; init; } = [];
    public List<int> BatchSizes { get; init; } = [];
    public List<int> Epochs { get; init; } = [];

    public IReadOnlyList<double> ValuesOf(StudyParameter parameter) => parameter switch
    {
        StudyParameter.LearningRate => LearningRates,
        StudyParameter.WeightDecay => WeightDecays,
        StudyParameter.BatchSize => BatchSizes.Select(v => (double)v).ToList(),
        _ => Epochs.Select(v => (double)v).ToList(),
    };

    public StudyAlternatives With(StudyParameter parameter, IEnumerable<double> values) => parameter switch
    {
        StudyParameter.LearningRate => this with { LearningRates = values.ToList() },
        StudyParameter.WeightDecay => this with { WeightDecays = values.ToList() },
        StudyParameter.BatchSize => this with { BatchSizes = values.Select(v => (int)v).ToList() },
        _ => this with { Epochs = values.Select(v => (int)v).ToList() },
    };
}

/// <summary>Makes a study quick to try: fewer training images, and the control's epochs replaced (epoch alternatives scaled alike).</summary>
public sealed record QuickRun
{
    public int? TrainSubset { get; init; }
    public int? Epochs { get; init; }
}

/// <summary>What the report measured for a group (GTX 1650 Ti, full data).</summary>
public sealed record ReportedFigures(double TrainingSeconds, double Accuracy);

/// <summary>Everything a user chooses when building a study.</summary>
public sealed record StudyDesign
{
    public string Name { get; init; } = "";
    public StudyMode Mode { get; init; } = StudyMode.OneAtATime;
    public TrainingConfig Control { get; init; } = TrainingConfig.ReportControl;
    public StudyAlternatives Alternatives { get; init; } = new();
    public QuickRun? Quick { get; init; }
    /// <summary>What a <see cref="StudyMode.Random"/> study (or a halving study with random trials) draws from.</summary>
    public SearchSpace? Search { get; init; }
    /// <summary>The rungs of a <see cref="StudyMode.Halving"/> study.</summary>
    public HalvingSettings? Halving { get; init; }

    /// <summary>Whether the configurations are drawn from <see cref="Search"/> rather than listed as alternatives.</summary>
    [LiteDB.BsonIgnore, System.Text.Json.Serialization.JsonIgnore]
    public bool IsRandom => Mode == StudyMode.Random || Mode == StudyMode.Halving && Halving?.Trials == HalvingTrials.Random;

    /// <summary>"The report's study": exactly the groups of the report's Table 1.</summary>
    public static StudyDesign ReportStudy { get; } = new()
    {
        Name = "The report's study",
        Mode = StudyMode.OneAtATime,
        Control = TrainingConfig.ReportControl,
        Alternatives = new StudyAlternatives
        {
            LearningRates = [0.01, 0.1],
            WeightDecays = [0.001, 0.01],
            BatchSizes = [64, 256],
            Epochs = [5, 15],
        },
    };

    /// <summary>Table 2 of the report, groups 1–9 in order.</summary>
    public static IReadOnlyList<ReportedFigures> ReportedResults { get; } =
    [
        new(71.3, 0.91), new(73.0, 0.87), new(75.2, 0.67), new(73.9, 0.90), new(80.5, 0.85),
        new(98.9, 0.90), new(69.4, 0.90), new(39.0, 0.90), new(117.2, 0.91),
    ];

    /// <summary>Whether this design runs the report's groups (quick-run overrides aside), so the reported figures apply.</summary>
    public bool MatchesReport()
    {
        var report = ReportStudy;
        return Mode == StudyMode.OneAtATime
            && Control.Model == report.Control.Model && Control.Optimizer == report.Control.Optimizer
            && StudyParameters.All.All(p =>
                StudyParameters.Get(Control, p) == StudyParameters.Get(report.Control, p)
                && Alternatives.ValuesOf(p).SequenceEqual(report.Alternatives.ValuesOf(p)));
    }
}

/// <summary>Names, reading, changing and formatting of the studied parameters.</summary>
public static class StudyParameters
{
    public static IReadOnlyList<StudyParameter> All { get; } = Enum.GetValues<StudyParameter>();

    public static string Label(StudyParameter p) => p switch
    {
        StudyParameter.LearningRate => "Learning rate",
        StudyParameter.WeightDecay => "Weight decay",
        StudyParameter.BatchSize => "Batch size",
        _ => "Epochs",
    };

    /// <summary>Short name for run names and chart legends.</summary>
    public static string Short(StudyParameter p) => p switch
    {
        StudyParameter.LearningRate => "lr",
        StudyParameter.WeightDecay => "wd",
        StudyParameter.BatchSize => "batch",
        _ => "epochs",
    };

    public static bool IsWholeNumber(StudyParameter p) => p is StudyParameter.BatchSize or StudyParameter.Epochs;

    public static double Get(TrainingConfig c, StudyParameter p) => p switch
    {
        StudyParameter.LearningRate => c.LearningRate,
        StudyParameter.WeightDecay => c.WeightDecay,
        StudyParameter.BatchSize => c.BatchSize,
        _ => c.Epochs,
    };

    public static TrainingConfig With(TrainingConfig c, StudyParameter p, double value) => p switch
    {
        StudyParameter.LearningRate => c with { LearningRate = value },
        StudyParameter.WeightDecay => c with { WeightDecay = value },
        StudyParameter.BatchSize => c with { BatchSize = (int)value },
        _ => c with { Epochs = (int)value },
    };

    public static string Format(StudyParameter p, double value) =>
        IsWholeNumber(p) ? ((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString("G6", CultureInfo.InvariantCulture);

    public static string FormatValue(TrainingConfig c, StudyParameter p) => Format(p, Get(c, p));

    /// <summary>The values as the builder shows them: "0.01, 0.1".</summary>
    public static string FormatList(StudyParameter p, IEnumerable<double> values) => string.Join(", ", values.Select(v => Format(p, v)));

    /// <summary>
    /// Reads "0.01, 0.1" (commas, semicolons or spaces between values; 1e-3 allowed). Whole numbers
    /// only for batch size and epochs. Errors name the parameter and the text that is wrong.
    /// </summary>
    public static (List<double> Values, List<ConfigError> Errors) Parse(StudyParameter p, string? text)
    {
        var values = new List<double>();
        var errors = new List<ConfigError>();
        foreach (var token in (text ?? "").Split([',', ';', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                errors.Add(new ConfigError(p.ToString(), $"{Label(p)}: '{token}' is not a number."));
            else if (IsWholeNumber(p) && (value != Math.Floor(value) || Math.Abs(value) > int.MaxValue))
                errors.Add(new ConfigError(p.ToString(), $"{Label(p)}: '{token}' is not a whole number."));
            else
                values.Add(value);
        }
        return (values, errors);
    }
}
