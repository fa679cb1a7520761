using System.Globalization;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Comparison;

/// <summary>A run in a comparison, with the letter and colour that name it in every table and chart.</summary>
public sealed record ComparedRun(string Letter, Run Run, string Color)
{
    /// <summary>The "letter" of the pinned baseline.</summary>
    public const string BaselineLetter = "Baseline";

    /// <summary>Grey, so that the baseline reads as the reference rather than one more contender; its line is also dashed.</summary>
    public const string BaselineColor = "#7f7f7f";

    public bool IsBaseline { get; init; }

    public string Legend => $"{Letter} · {Run.Name}";
}

/// <summary>One hyperparameter across the runs.</summary>
public sealed record SettingRow(string Name, IReadOnlyList<string> Values)
{
    public bool Differs => Values.Distinct(StringComparer.Ordinal).Count() > 1;
}

/// <summary>A run's line of the report's Table 2. Null where the run has no report (it did not finish an epoch).</summary>
public sealed record ResultRow(ComparedRun Run, double? TrainingSeconds, double? Accuracy, double? MacroF1, double? MacroPrecision);

/// <summary>Table 2 with the best of each column: fastest time, highest accuracy, macro F1 and macro precision.</summary>
public sealed record ResultsTable(IReadOnlyList<ResultRow> Rows)
{
    public IReadOnlySet<int> BestTime { get; } = Best.Of(Rows.Select(r => r.TrainingSeconds).ToList(), lowerIsBetter: true);
    public IReadOnlySet<int> BestAccuracy { get; } = Best.Of(Rows.Select(r => r.Accuracy).ToList());
    public IReadOnlySet<int> BestMacroF1 { get; } = Best.Of(Rows.Select(r => r.MacroF1).ToList());
    public IReadOnlySet<int> BestMacroPrecision { get; } = Best.Of(Rows.Select(r => r.MacroPrecision).ToList());
}

/// <summary>Everything the compare page shows, computed from the runs without any HTML.</summary>
public sealed class RunComparison
{
    /// <param name="runs">The runs in order; a <paramref name="baseline"/> among them must be the first.</param>
    /// <param name="baseline">The pinned baseline: named "Baseline", grey and dashed, and the reference of the deltas.</param>
    public RunComparison(IReadOnlyList<Run> runs, Run? baseline = null)
    {
        var hasBaseline = baseline is not null && runs.Count > 0 && runs[0].Id == baseline.Id;
        var others = runs.Skip(hasBaseline ? 1 : 0).Select((r, i) => new ComparedRun(((char)('A' + i)).ToString(), r, RunPalette.At(i)));
        Runs = hasBaseline
            ? [new ComparedRun(ComparedRun.BaselineLetter, runs[0], ComparedRun.BaselineColor) { IsBaseline = true }, .. others]
            : others.ToList();
        Settings = BuildSettings(runs);
        Results = new ResultsTable(Runs.Select(r => new ResultRow(r, r.Run.TrainingSeconds, r.Run.Report?.Accuracy,
            r.Run.Report?.MacroAverage.F1, r.Run.Report?.MacroAverage.Precision)).ToList());
        MaxEpochs = runs.SelectMany(r => r.Epochs).Select(e => e.Epoch).DefaultIfEmpty(0).Max();
        if (Runs is [{ Run.Confusion: { } a }, { Run.Confusion: { } b }] && a.ClassCount == b.ClassCount)
            Difference = new ConfusionDifference(a, b, ClassNamesFor(a.ClassCount));
    }

    public IReadOnlyList<ComparedRun> Runs { get; }

    /// <summary>The pinned baseline when it is part of the comparison (always first).</summary>
    public ComparedRun? Baseline => Runs is [{ IsBaseline: true } first, ..] ? first : null;
    public IReadOnlyList<SettingRow> Settings { get; }
    public ResultsTable Results { get; }
    public int MaxEpochs { get; }

    /// <summary>B − A, for exactly two runs that both have a confusion matrix.</summary>
    public ConfusionDifference? Difference { get; }

    /// <summary>Runs with a classification report, for the side-by-side reports.</summary>
    public IReadOnlyList<(ComparedRun Run, ClassificationReport Report)> Reports =>
        Runs.Where(r => r.Run.Report is not null).Select(r => (r, r.Run.Report!)).ToList();

    public IReadOnlyList<CurveSeries> Curves(CurveMetric metric) =>
        CurveMetrics.Series(Runs.Select(r => new CurveInput(r.Legend, r.Color, r.Run.Epochs, r.IsBaseline)), metric);

    private static IReadOnlyList<string> ClassNamesFor(int count) =>
        count == Dashboard.Training.Data.FashionMnist.ClassNames.Count
            ? Dashboard.Training.Data.FashionMnist.ClassNames
            : Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();

    private static List<SettingRow> BuildSettings(IReadOnlyList<Run> runs)
    {
        SettingRow Row(string name, Func<TrainingConfig, string> value) => new(name, runs.Select(r => value(r.Config)).ToList());
        var rows = new List<SettingRow>
        {
            Row("Model", c => c.Model),
            Row("Epochs", c => Invariant(c.Epochs)),
            Row("Batch size", c => Invariant(c.BatchSize)),
            Row("Learning rate", c => Invariant(c.LearningRate)),
            Row("Weight decay", c => Invariant(c.WeightDecay)),
            Row("Optimizer", c => c.Optimizer.ToString()),
        };
        // Momentum only means something to SGD; a row of ignored values would look like a difference.
        if (runs.Any(r => r.Config.Optimizer == OptimizerKind.Sgd))
            rows.Add(Row("Momentum", c => c.Optimizer == OptimizerKind.Sgd ? Invariant(c.Momentum) : "—"));
        rows.Add(Row("Augmentation", Components.Shared.RunFormat.Augmentation));
        rows.Add(Row("LR schedule", Components.Shared.RunFormat.Schedule));
        rows.Add(Row("Validation", Components.Shared.RunFormat.Validation));
        rows.Add(Row("Seed", c => Invariant(c.Seed)));
        rows.Add(Row("Training images", c => c.TrainSubset is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "all 60,000"));
        rows.Add(Row("Threads", c => c.Threads == 0 ? "one per core" : Invariant(c.Threads)));
        rows.Add(Row("Device", c => c.Device.ToString()));
        rows.Add(new SettingRow("Status", runs.Select(r => r.Status.ToString()).ToList()));
        return rows;
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
