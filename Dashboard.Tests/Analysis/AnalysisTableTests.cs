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
}
