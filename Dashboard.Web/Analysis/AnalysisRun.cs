using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Analysis;

/// <summary>
/// What the analysis views read of a run: its settings, how it ended and its figures (the final test loss is its last
/// epoch's). With <see cref="AtEpoch"/> set, the figures are those the run had at the end of that epoch instead.
/// </summary>
public sealed record AnalysisRun(
    Guid Id, string Name, DateTime CreatedUtc, RunStatus Status, TrainingConfig Config, bool IsEnsemble,
    double? Accuracy, double? MacroF1, double? FinalTestLoss, double? TrainingSeconds, int? AtEpoch = null)
{
    public static AnalysisRun From(Run run) => new(
        run.Id, run.Name, run.CreatedUtc, run.Status, run.Config, run.IsEnsemble,
        run.Accuracy ?? run.Report?.Accuracy, run.MacroF1 ?? run.Report?.MacroAverage.F1,
        run.Epochs.Count == 0 ? null : run.Epochs.MaxBy(e => e.Epoch)!.TestLoss, run.TrainingSeconds);

    public static IReadOnlyList<AnalysisRun> From(IEnumerable<Run> runs) => runs.Select(From).ToList();

    /// <summary>
    /// The run's figures at the end of <paramref name="epoch"/>: that epoch's test accuracy and loss, the mean of its
    /// per-class F1 (null in epochs stored before those were kept) and the training seconds up to it; whatever the
    /// run's status, because a finished epoch's figures do not change. Null when the run has not finished that epoch.
    /// </summary>
    public static AnalysisRun? At(Run run, int epoch)
    {
        var e = run.Epochs.FirstOrDefault(x => x.Epoch == epoch);
        if (e is null || run.IsEnsemble) return null;
        return new AnalysisRun(run.Id, run.Name, run.CreatedUtc, run.Status, run.Config, false,
            e.TestAccuracy, e.PerClass is { F1.Length: > 0 } scores ? scores.F1.Average() : null, e.TestLoss,
            run.Epochs.Where(x => x.Epoch <= epoch).Sum(x => x.Seconds), epoch);
    }
}
