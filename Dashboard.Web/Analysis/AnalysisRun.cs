using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Analysis;

/// <summary>What the analysis views read of a run: its settings, how it ended and its figures (the final test loss is its last epoch's).</summary>
public sealed record AnalysisRun(
    Guid Id, string Name, DateTime CreatedUtc, RunStatus Status, TrainingConfig Config, bool IsEnsemble,
    double? Accuracy, double? MacroF1, double? FinalTestLoss, double? TrainingSeconds)
{
    public static AnalysisRun From(Run run) => new(
        run.Id, run.Name, run.CreatedUtc, run.Status, run.Config, run.IsEnsemble,
        run.Accuracy ?? run.Report?.Accuracy, run.MacroF1 ?? run.Report?.MacroAverage.F1,
        run.Epochs.Count == 0 ? null : run.Epochs.MaxBy(e => e.Epoch)!.TestLoss, run.TrainingSeconds);

    public static IReadOnlyList<AnalysisRun> From(IEnumerable<Run> runs) => runs.Select(From).ToList();
}
