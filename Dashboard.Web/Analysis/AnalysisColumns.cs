using System.Globalization;
using Dashboard.Training;

namespace Dashboard.Web.Analysis;

public enum ValueKind
{
    Number,
    Category,
}

/// <summary>
/// A hyperparameter the analysis can show; it becomes a column when its value varies across the runs. The key is a stable
/// name (URLs, the API, the charts); Log spreads it on a log axis when every value is above 0; Whole shows it without decimals.
/// </summary>
public sealed record SettingDefinition(
    string Key, string Label, ValueKind Kind, Func<TrainingConfig, double>? Number = null, Func<TrainingConfig, string>? Category = null,
    bool Log = false, bool Whole = false);

/// <summary>A figure of a finished run that the settings may explain.</summary>
public sealed record MetricDefinition(string Key, string Label, Func<AnalysisRun, double?> Read, bool HigherIsBetter, string Unit = "")
{
    public string Format(double? value) => value is not { } v ? "—"
        : Key == AnalysisMetrics.Accuracy ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) + " %"
        : Key == AnalysisMetrics.TrainingSeconds ? v.ToString("N0", CultureInfo.InvariantCulture) + " s"
        : v.ToString("F4", CultureInfo.InvariantCulture);
}

/// <summary>The settings the analysis knows, in the order their axes are drawn.</summary>
public static class AnalysisSettings
{
    public static IReadOnlyList<SettingDefinition> All { get; } =
    [
        new("model", "Model", ValueKind.Category, Category: c => c.Model),
        new("optimizer", "Optimizer", ValueKind.Category, Category: c => c.Optimizer.ToString()),
        new("learningRate", "Learning rate", ValueKind.Number, c => c.LearningRate, Log: true),
        new("weightDecay", "Weight decay", ValueKind.Number, c => c.WeightDecay, Log: true),
        new("batchSize", "Batch size", ValueKind.Number, c => c.BatchSize, Log: true, Whole: true),
        new("epochs", "Epochs", ValueKind.Number, c => c.Epochs, Whole: true),
        new("momentum", "Momentum", ValueKind.Number, c => c.Momentum),
        new("schedule", "Schedule", ValueKind.Category, Category: c => c.Schedule.ToString()),
        new("stepSize", "Step size", ValueKind.Number, c => c.StepSize, Whole: true),
        new("stepGamma", "Step factor", ValueKind.Number, c => c.StepGamma),
        new("minLearningRate", "Min learning rate", ValueKind.Number, c => c.MinLearningRate),
        new("warmupFraction", "Warm-up fraction", ValueKind.Number, c => c.WarmupFraction),
        new("cropPadding", "Crop padding", ValueKind.Number, c => c.CropPadding, Whole: true),
        new("horizontalFlip", "Horizontal flip", ValueKind.Category, Category: c => c.HorizontalFlip ? "on" : "off"),
        new("erasing", "Erasing probability", ValueKind.Number, c => c.ErasingProbability),
        new("trainSubset", "Training images", ValueKind.Number, c => c.TrainSubset ?? TrainingConfig.Limits.MaxBatchSize, Log: true, Whole: true),
        new("validationFraction", "Validation fraction", ValueKind.Number, c => c.ValidationFraction),
        new("patience", "Early-stopping patience", ValueKind.Number, c => c.EarlyStoppingPatience, Whole: true),
    ];
}

/// <summary>The figures the analysis can explain, test accuracy first.</summary>
public static class AnalysisMetrics
{
    public const string Accuracy = "accuracy";
    public const string MacroF1 = "macroF1";
    public const string TestLoss = "testLoss";
    public const string TrainingSeconds = "trainingSeconds";

    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        new(Accuracy, "Test accuracy", r => r.Accuracy, HigherIsBetter: true),
        new(MacroF1, "Macro F1", r => r.MacroF1, HigherIsBetter: true),
        new(TestLoss, "Final test loss", r => r.FinalTestLoss, HigherIsBetter: false),
        new(TrainingSeconds, "Training time", r => r.TrainingSeconds, HigherIsBetter: false, Unit: "s"),
    ];

    public static MetricDefinition? Find(string? key) => All.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.OrdinalIgnoreCase));

    public static string Keys => string.Join(", ", All.Select(m => m.Key));
}
