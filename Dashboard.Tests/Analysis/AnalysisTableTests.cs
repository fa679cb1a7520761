using Dashboard.Training.Evaluation;
using Dashboard.Training;
using Dashboard.Training.Schedules;
using Dashboard.Web.Analysis;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Analysis;

public sealed class AnalysisTableTests
{
    [Fact]
    public void OnlySettingsThatVaryBecomeColumnsFollowedByTheMetrics()
    {
        var runs = new[]
        {
            AnalysisRuns.Completed("a", TrainingConfig.ReportControl with { LearningRate = 1e-3, Model = "SeedCnn" }, 0.90),
            AnalysisRuns.Completed("b", TrainingConfig.ReportControl with { LearningRate = 1e-2, Model = "BnCnn" }, 0.88),
            AnalysisRuns.Completed("c", TrainingConfig.ReportControl with { LearningRate = 1e-1, Model = "SeedCnn", Schedule = ScheduleKind.Cosine }, 0.70),
        };

        var table = AnalysisTable.Build(runs);

        Assert.Equal(["model", "learningRate", "schedule", "accuracy", "macroF1", "testLoss", "trainingSeconds"], table.Columns.Select(c => c.Key));
        Assert.Equal(["model", "learningRate", "schedule"], table.Settings.Select(c => c.Key));
        var model = table.Columns[0];
        Assert.Equal(ValueKind.Category, model.Kind);
        Assert.Equal(["BnCnn", "SeedCnn"], model.Categories);
        // Rows keep the runs' order of creation; a category is stored as the index of its value.
        Assert.Equal(["a", "b", "c"], table.Rows.Select(r => r.Name));
        Assert.Equal([1.0, 0.0, 1.0], table.Rows.Select(r => r.Values[0]!.Value));
        Assert.Equal("BnCnn", model.Format(table.Rows[1].Values[0]));
        Assert.Equal(0.70, table.Rows[2].Values[table.IndexOf("accuracy")]!.Value, 1e-9);
        Assert.True(table.Columns[1].Log);
    }

    [Fact]
    public void AWeightDecayOfZeroIsNotDrawnOnALogAxis()
    {
        var table = AnalysisTable.Build(
        [
            AnalysisRuns.Completed("a", TrainingConfig.ReportControl with { WeightDecay = 0 }, 0.9),
            AnalysisRuns.Completed("b", TrainingConfig.ReportControl with { WeightDecay = 1e-3 }, 0.9),
        ]);

        var decay = Assert.Single(table.Settings);
        Assert.Equal("weightDecay", decay.Key);
        Assert.False(decay.Log);
    }

    [Fact]
    public void RunsThatDidNotCompleteAndEnsemblesAreCountedOutWithTheirReason()
    {
        var done = AnalysisRuns.Completed("done", TrainingConfig.ReportControl, 0.9);
        var ensemble = done with { Id = Guid.NewGuid(), IsEnsemble = true };
        var table = AnalysisTable.Build(
        [
            done, ensemble,
            AnalysisRuns.WithStatus("f1", RunStatus.Failed), AnalysisRuns.WithStatus("f2", RunStatus.Failed),
            AnalysisRuns.WithStatus("c", RunStatus.Cancelled), AnalysisRuns.WithStatus("q", RunStatus.Queued),
        ]);

        Assert.Equal(["done"], table.Rows.Select(r => r.Name));
        Assert.Equal(2, table.LeftOut.Single(l => l.Why.StartsWith("failed", StringComparison.Ordinal)).Count);
        Assert.Equal(1, table.LeftOut.Single(l => l.Why.StartsWith("cancelled", StringComparison.Ordinal)).Count);
        Assert.Equal(1, table.LeftOut.Single(l => l.Why.StartsWith("ensembles", StringComparison.Ordinal)).Count);
        Assert.Equal(1, table.LeftOut.Single(l => l.Why.StartsWith("still queued", StringComparison.Ordinal)).Count);
    }

    [Fact]
    public void TheKeyNamesTheSetOfRunsWhateverTheirOrder()
    {
        var runs = AnalysisRuns.LearningRateMatters(10);

        Assert.Equal(AnalysisTable.Build(runs).Key, AnalysisTable.Build(runs.AsEnumerable().Reverse()).Key);
        Assert.NotEqual(AnalysisTable.Build(runs).Key, AnalysisTable.Build(runs.Skip(1)).Key);
    }

    [Fact]
    public void AtAnEpochEveryRunThatFinishedItCountsWithThatEpochsFiguresWhateverItsStatus()
    {
        static EpochMetrics Epoch(int n, double accuracy, double f1) => new(n, 0.5, 1 - accuracy, accuracy, 10 * n, 3000)
        {
            PerClass = new ClassScores([.. Enumerable.Repeat(0.5, 10)], [.. Enumerable.Repeat(0.5, 10)], [.. Enumerable.Repeat(f1, 10)]),
        };
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Run Trial(string name, double lr, RunStatus status, params EpochMetrics[] epochs) => new()
        {
            Id = Guid.NewGuid(), Name = name, Config = TrainingConfig.ReportControl with { LearningRate = lr, Epochs = 3 }, Status = status,
            CreatedUtc = start.AddMinutes(name[0]), Epochs = [.. epochs], Accuracy = status == RunStatus.Completed ? epochs[^1].TestAccuracy : null,
        };
        var runs = new[]
        {
            Trial("a", 1e-3, RunStatus.Completed, Epoch(1, 0.80, 0.79), Epoch(2, 0.85, 0.84), Epoch(3, 0.88, 0.87)),
            Trial("b", 1e-2, RunStatus.StoppedEarly, Epoch(1, 0.70, 0.69)),
            Trial("c", 1e-1, RunStatus.Paused, Epoch(1, 0.60, 0.59)),
            Trial("d", 1e-4, RunStatus.Queued),
        };

        var atOne = AnalysisTable.AtEpoch(runs, 1);
        var atEnd = AnalysisTable.Build(runs.Select(AnalysisRun.From));

        Assert.Equal(1, atOne.Epoch);
        Assert.Equal(["a", "b", "c"], atOne.Rows.Select(r => r.Name));
        var accuracies = atOne.Rows.Select(r => r.Values[atOne.IndexOf(AnalysisMetrics.Accuracy)]!.Value).ToList();
        Assert.Equal(3, accuracies.Count);
        foreach (var (expected, actual) in new[] { 0.80, 0.70, 0.60 }.Zip(accuracies)) Assert.Equal(expected, actual, 1e-12);
        Assert.Equal(0.79, atOne.Rows[0].Values[atOne.IndexOf(AnalysisMetrics.MacroF1)]!.Value, 1e-12);
        Assert.Equal(0.20, atOne.Rows[0].Values[atOne.IndexOf(AnalysisMetrics.TestLoss)]!.Value, 1e-12);
        Assert.Equal(10, atOne.Rows[0].Values[atOne.IndexOf(AnalysisMetrics.TrainingSeconds)]!.Value, 1e-12);
        Assert.Equal([new LeftOut("not at epoch 1", 1)], atOne.LeftOut);
        // At the end only the completed run counts; the same runs at another epoch are other results.
        Assert.Equal(["a"], atEnd.Rows.Select(r => r.Name));
        Assert.NotEqual(atEnd.Key, AnalysisTable.AtEpoch(runs.Take(1), 3).Key);
        var atThree = AnalysisTable.AtEpoch(runs, 3);
        Assert.Equal(0.88, atThree.Rows.Single().Values[atThree.IndexOf(AnalysisMetrics.Accuracy)]!.Value, 1e-12);
        Assert.Equal(60, atThree.Rows.Single().Values[atThree.IndexOf(AnalysisMetrics.TrainingSeconds)]!.Value, 1e-12);
    }
}
