using Dashboard.Training;
using Dashboard.Web.Comparison;

namespace Dashboard.Tests.Compare;

public sealed class RunComparisonTests
{
    // The report's interesting confusions: Shirt (6) ↔ T-shirt/top (0), Pullover (2) ↔ Coat (4).
    private static readonly int[][] A = CompareRuns.Fashion((6, 0, 120), (0, 6, 60), (2, 4, 80), (4, 2, 50), (9, 7, 30));
    private static readonly int[][] B = CompareRuns.Fashion((6, 0, 85), (0, 6, 70), (2, 4, 40), (4, 2, 95), (9, 7, 30));

    [Fact]
    public void TheDifferenceIsBMinusAAndNamesTheLargestChangesAndTheReportsPairs()
    {
        var comparison = new RunComparison([CompareRuns.Finished("A", A, 70), CompareRuns.Finished("B", B, 60)]);

        var d = comparison.Difference!;
        Assert.Equal(-35, d.Delta[6][0]);
        Assert.Equal(+10, d.Delta[0][6]);
        Assert.Equal(+35, d.Delta[6][6]);
        Assert.Equal(0, d.Delta[9][7]);
        Assert.Equal(45, d.MaxAbs);
        Assert.Equal([(4, 2, 45), (2, 4, -40), (6, 0, -35), (0, 6, 10)], d.LargestChanges().Select(c => (c.True, c.Predicted, c.Delta)));
        Assert.Equal(
        [
            "Shirt taken for T-shirt/top: 120 → 85 (−35)",
            "T-shirt/top taken for Shirt: 60 → 70 (+10)",
            "Pullover taken for Coat: 80 → 40 (−40)",
            "Coat taken for Pullover: 50 → 95 (+45)",
        ], d.Focus.Select(c => c.Describe()));
        Assert.Equal([true, false, true, false], d.Focus.Select(c => c.IsImprovement));
        Assert.True(d.Cell(6, 6).IsImprovement);
        Assert.Equal(d.CorrectA + 35 - 10 + 40 - 45, d.CorrectB);
    }

    [Fact]
    public void ThereIsNoDifferenceMatrixForThreeRunsOrARunWithoutOne()
    {
        Assert.Null(new RunComparison([CompareRuns.Finished("A", A, 1), CompareRuns.Finished("B", B, 1), CompareRuns.Finished("C", A, 1)]).Difference);
        Assert.Null(new RunComparison([CompareRuns.Finished("A", A, 1), CompareRuns.Cancelled("B")]).Difference);
    }

    [Fact]
    public void RunsWithDifferentEpochCountsEachKeepTheirOwnCurve()
    {
        var diverged = CompareRuns.Finished("C", A, 5, epochs: 2);
        diverged = diverged with { Epochs = [diverged.Epochs[0], diverged.Epochs[1] with { TrainLoss = double.NaN }] };
        var comparison = new RunComparison([CompareRuns.Finished("A", A, 1, epochs: 3), CompareRuns.Finished("B", B, 1, epochs: 1), diverged]);

        var accuracy = comparison.Curves(CurveMetric.TestAccuracy);
        Assert.Equal(["A · A", "B · B", "C · C"], accuracy.Select(s => s.Name));
        Assert.Equal([3, 1, 2], accuracy.Select(s => s.Points.Count));
        Assert.Equal([1.0, 2.0, 3.0], accuracy[0].Points.Select(p => p[0]));
        // The NaN of a diverged epoch cannot be drawn: the point is left out, the others stay.
        Assert.Equal([1.0], comparison.Curves(CurveMetric.TrainLoss)[2].Points.Select(p => p[0]));
        Assert.Equal(3, comparison.MaxEpochs);
        Assert.Equal(RunPalette.Colors.Take(3), accuracy.Select(s => s.Color));
    }

    [Fact]
    public void SettingsThatDifferAreMarkedAndTheBestResultsAreFound()
    {
        var fast = CompareRuns.Finished("fast", A, 39.0, config: TrainingConfig.ReportControl with { BatchSize = 256 });
        var accurate = CompareRuns.Finished("accurate", B, 71.3);
        var comparison = new RunComparison([fast, accurate, CompareRuns.Cancelled("nothing")]);

        var differing = comparison.Settings.Where(s => s.Differs).Select(s => s.Name).ToList();
        Assert.Contains("Batch size", differing);
        Assert.Contains("Status", differing);
        Assert.DoesNotContain("Learning rate", differing);
        Assert.DoesNotContain("Momentum", comparison.Settings.Select(s => s.Name));

        var t = comparison.Results;
        Assert.Equal([0], t.BestTime);
        Assert.Equal([1], t.BestAccuracy);
        Assert.Null(t.Rows[2].Accuracy);
        Assert.Equal(2, comparison.Reports.Count);
    }

    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, false, new[] { 0 })]
    [InlineData(new double[] { 3, 1, 1 }, true, new[] { 1, 2 })]
    [InlineData(new double[] { 2, 2 }, false, new int[0])]
    public void BestMarksEveryTieAndNothingWhenAllAreEqual(double[] values, bool lowerIsBetter, int[] expected)
    {
        Assert.Equal(expected, Best.Of(values.Select(v => (double?)v).ToList(), lowerIsBetter).Order());
    }

    [Fact]
    public void TheNewTrainingOptionsAreComparedInWords()
    {
        var plain = CompareRuns.Finished("plain", A, 30);
        var strong = CompareRuns.Finished("strong", B, 30, config: TrainingConfig.ReportControl with
        {
            CropPadding = 2, HorizontalFlip = true, Schedule = Dashboard.Training.Schedules.ScheduleKind.Cosine, ValidationFraction = 0.1, EarlyStoppingPatience = 3,
        });

        var settings = new RunComparison([plain, strong]).Settings.ToDictionary(s => s.Name);

        Assert.Equal(["none", "random crop (pad 2), horizontal flip"], settings["Augmentation"].Values);
        Assert.Equal(["constant", "cosine down to 0"], settings["LR schedule"].Values);
        Assert.Equal(["none", "0.1 held out, early stopping after 3"], settings["Validation"].Values);
        Assert.True(settings["Augmentation"].Differs && settings["LR schedule"].Differs && settings["Validation"].Differs);
    }
}
