using Dashboard.Training;
using Dashboard.Web.Analysis;

namespace Dashboard.Tests.Analysis;

public sealed class ParameterImportanceTests
{
    [Fact]
    public void LearningRateRanksFirstWhenAccuracyDependsOnItAndNotOnBatchSize()
    {
        var table = AnalysisTable.Build(AnalysisRuns.LearningRateMatters(200));

        var result = ParameterImportance.Compute(table, AnalysisMetrics.Accuracy);

        Assert.Null(result.Problem);
        Assert.Equal(["learningRate", "batchSize"], result.Settings.Select(s => s.Key));
        var lr = result.Settings[0];
        var batch = result.Settings[1];
        // The rate explains nearly all of the variance; shuffling the batch size costs next to nothing.
        Assert.True(lr.Importance > 0.5, $"lr importance {lr.Importance}");
        Assert.True(batch.Importance < 0.1 * lr.Importance, $"batch {batch.Importance} vs lr {lr.Importance}");
        Assert.True(result.FitR2 > 0.8, $"fit R² {result.FitR2}");
        Assert.Equal(200, result.Runs);
    }

    [Fact]
    public void TheSameRunsGiveTheSameFigures()
    {
        var runs = AnalysisRuns.LearningRateMatters(60, seed: 3);

        var a = ParameterImportance.Compute(AnalysisTable.Build(runs), AnalysisMetrics.Accuracy);
        var b = ParameterImportance.Compute(AnalysisTable.Build(runs.AsEnumerable().Reverse()), AnalysisMetrics.Accuracy);

        Assert.Equal(a.Settings.Select(s => (s.Key, s.Importance, s.StandardError)), b.Settings.Select(s => (s.Key, s.Importance, s.StandardError)));
        Assert.Equal(a.FitR2, b.FitR2);
    }

    [Fact]
    public void LossIsExplainedByTheRateToo()
    {
        var result = ParameterImportance.Compute(AnalysisTable.Build(AnalysisRuns.LearningRateMatters(120)), AnalysisMetrics.TestLoss);

        Assert.Equal("learningRate", result.Settings[0].Key);
        Assert.Equal("Final test loss", result.MetricLabel);
    }

    [Fact]
    public void TooFewRunsAreExplainedNotRanked()
    {
        var result = ParameterImportance.Compute(AnalysisTable.Build(AnalysisRuns.LearningRateMatters(ParameterImportance.MinRuns - 1)), AnalysisMetrics.Accuracy);

        Assert.Empty(result.Settings);
        Assert.Contains($"at least {ParameterImportance.MinRuns} completed runs", result.Problem);
        Assert.Contains($"there are {ParameterImportance.MinRuns - 1}", result.Problem);
    }

    [Fact]
    public void NothingVaryingIsExplained()
    {
        var runs = Enumerable.Range(0, 10).Select(i => AnalysisRuns.Completed($"r{i}", TrainingConfig.ReportControl, 0.85 + i / 1000.0)).ToList();

        var result = ParameterImportance.Compute(AnalysisTable.Build(runs), AnalysisMetrics.Accuracy);

        Assert.Empty(result.Settings);
        Assert.Contains("same settings", result.Problem);
    }

    [Fact]
    public void AConstantMetricIsExplained()
    {
        var runs = AnalysisRuns.LearningRateMatters(20).Select(r => r with { TrainingSeconds = 100 }).ToList();

        var result = ParameterImportance.Compute(AnalysisTable.Build(runs), AnalysisMetrics.TrainingSeconds);

        Assert.Contains("same training time", result.Problem);
    }

    [Fact]
    public void AnUnknownMetricIsRefused() =>
        Assert.Throws<ArgumentException>(() => ParameterImportance.Compute(AnalysisTable.Empty, "nonsense"));
}
