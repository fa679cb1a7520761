using Dashboard.Training;
using Dashboard.Web.Charts;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Tests.Charts;

/// <summary>The maths behind per-epoch charts: debiased EMA, points with training time, what is drawn for each setting, and the CSV.</summary>
public sealed class ChartSeriesTests
{
    private const double Tolerance = 1e-12;

    private static EpochMetrics Epoch(int epoch, double loss, double seconds = 10, double? lr = null) =>
        new(epoch, loss, loss * 1.1, 0.9, seconds, 1000) { LearningRate = lr };

    [Fact]
    public void SmoothingFollowsTensorBoardsDebiasedMovingAverage()
    {
        var smoothed = ChartSeries.Smooth([1, 2, 3], 0.5);

        // s1 = 0.5 / 0.5; s2 = (0.25 + 1) / 0.75; s3 = (0.625 + 1.5) / 0.875.
        Assert.Equal(1.0, smoothed[0], Tolerance);
        Assert.Equal(1.25 / 0.75, smoothed[1], Tolerance);
        Assert.Equal(2.125 / 0.875, smoothed[2], Tolerance);
    }

    [Fact]
    public void DebiasingKeepsAConstantLineWhereItIs()
    {
        // Without the division by 1 − wⁿ the first value would be 0.01 × 0.7 and climb for hundreds of epochs.
        Assert.All(ChartSeries.Smooth(Enumerable.Repeat(0.7, 50).ToList(), 0.99), v => Assert.Equal(0.7, v, 1e-9));
    }

    [Fact]
    public void NoSmoothingReturnsTheValuesAndAWeightOfOneIsRefused()
    {
        double[] values = [0.9, 0.4, 0.6];
        Assert.Equal(values, ChartSeries.Smooth(values, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChartSeries.Smooth(values, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChartSeries.Smooth(values, double.NaN));
    }

    [Fact]
    public void PointsCarryTheTrainingTimeSoFarAndSkipMissingValues()
    {
        // Out of order, with an epoch whose value is missing: its seconds still count.
        var epochs = new[] { Epoch(3, 0.5, seconds: 12, lr: 0.001), Epoch(1, 0.9, seconds: 10, lr: 0.003), Epoch(2, 0.7, seconds: 11) };

        var points = ChartSeries.Points(epochs, e => e.LearningRate);

        Assert.Equal([1, 3], points.Select(p => p.Epoch));
        AssertClose([10.0, 33.0], points.Select(p => p.Seconds));
        Assert.Equal(33.0, ChartSeries.X(points[1], ChartXAxis.TrainingTime), Tolerance);
        Assert.Equal(3.0, ChartSeries.X(points[1], ChartXAxis.Epoch), Tolerance);
    }

    [Fact]
    public void ADivergedEpochsNaNIsLeftOut()
    {
        var points = ChartSeries.Points([Epoch(1, 0.9), Epoch(2, double.NaN), Epoch(3, 0.4)], e => e.TrainLoss);
        Assert.Equal([1, 3], points.Select(p => p.Epoch));
    }

    [Fact]
    public void UnsmoothedEachLineIsDrawnOnceAsMeasured()
    {
        var lines = Lines();

        var plotted = ChartSeries.Plot(lines, ChartSettings.Default);

        Assert.Equal(["A", "B, with a comma"], plotted.Select(s => s.Name));
        Assert.All(plotted, s => Assert.True(s.InLegend));
        Assert.Equal([[1.0, 0.9], [2.0, 0.5], [3.0, 0.7]], plotted[0].Points);
        Assert.True(plotted[1].Dashed);
    }

    [Fact]
    public void SmoothedTheRawLinesRunFaintUnderneathAndOutOfTheLegend()
    {
        var lines = Lines();

        var plotted = ChartSeries.Plot(lines, new ChartSettings(Smoothing: 0.6));

        Assert.Equal(["A (raw)", "B, with a comma (raw)", "A", "B, with a comma"], plotted.Select(s => s.Name));
        Assert.Equal([false, false, true, true], plotted.Select(s => s.InLegend));
        Assert.Equal("rgba(78, 121, 167, 0.3)", plotted[0].Color);
        Assert.Equal("#4e79a7", plotted[2].Color);
        Assert.Equal(lines[0].Points.Select(p => p.Value), plotted[0].Points.Select(p => p[1]));
        var expected = ChartSeries.Smooth([0.9, 0.5, 0.7], 0.6);
        Assert.Equal(expected, plotted[2].Points.Select(p => p[1]));
        Assert.True(plotted[1].Dashed && plotted[3].Dashed, "A dashed line stays dashed, raw and smoothed.");
    }

    [Fact]
    public void ALineThatIsNotSmoothableIsDrawnOnceWhateverTheSetting()
    {
        var rate = new EpochLine("learning rate", "#8e24aa", ChartSeries.Points([Epoch(1, 1, lr: 0.01), Epoch(2, 1, lr: 0.001)], e => e.LearningRate)) { Smoothable = false };

        var plotted = ChartSeries.Plot([rate], new ChartSettings(Smoothing: 0.9));

        Assert.Equal(["learning rate"], plotted.Select(s => s.Name));
        AssertClose([0.01, 0.001], plotted[0].Points.Select(p => p[1]));
    }

    [Fact]
    public void OnALogScaleValuesBecomeTheirLogarithmAndNonPositiveOnesAreLeftOut()
    {
        var line = new EpochLine("loss", "#1e88e5", [new(1, 10, 1.0), new(2, 20, 0.01), new(3, 30, 0), new(4, 40, 0.1)]);

        var plotted = ChartSeries.Plot([line], new ChartSettings(X: ChartXAxis.TrainingTime), logScale: true);

        AssertClose([10.0, 20.0, 40.0], plotted[0].Points.Select(p => p[0]));
        AssertClose([0.0, -2.0, -1.0], plotted[0].Points.Select(p => p[1]));
    }

    [Theory]
    [InlineData(723, 750, 5)]
    [InlineData(45, 50, 5)]
    [InlineData(7200, 7200, 6)]
    [InlineData(7201, 7200 + 1800, 5)]
    [InlineData(0, 5, 1)]
    public void TheTrainingTimeAxisEndsOnARoundStep(double seconds, double max, int ticks)
    {
        Assert.Equal((max, ticks), ChartSeries.TimeAxis(seconds));
    }

    [Fact]
    public void TheCsvHoldsEveryPointWithBothXMeasuresAndTheSmoothedValueBesideTheRawOne()
    {
        var lines = Lines();
        var settings = new ChartSettings(Smoothing: 0.5, X: ChartXAxis.TrainingTime);

        var rows = ChartCsv.Of(lines, settings).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("series,epoch,training_seconds,value,smoothed", rows[0]);
        Assert.Equal(1 + 3 + 2, rows.Length);
        var smoothed = ChartSeries.Smooth([0.9, 0.5, 0.7], 0.5);
        Assert.Equal($"A,2,20,0.5,{smoothed[1]:R}", rows[2]);
        Assert.Equal("\"B, with a comma\",1,15,0.8,0.8", rows[4]);
        Assert.Equal("series,epoch,training_seconds,value", ChartCsv.Of(lines, ChartSettings.Default).Split("\r\n")[0]);
    }

    [Fact]
    public void DownloadNamesKeepOnlySafeCharacters()
    {
        Assert.Equal("img-src-x-onerror-alert-1_loss-per-epoch.png", ChartFileName.Of("png", "<img src=x onerror=alert(1)>", "Loss per epoch"));
        Assert.Equal("chart.csv", ChartFileName.Of("csv", "<>", null, "  "));
        Assert.Equal("résumé_lr-0.001.svg", ChartFileName.Of("svg", "Résumé", "lr 0.001"));
        Assert.Equal("etc-passwd.png", ChartFileName.Of("png", "../../etc/passwd"));
        var longName = ChartFileName.Of("png", new string('x', 300));
        Assert.Equal(ChartFileName.MaxLength + ".png".Length, longName.Length);
    }

    [Fact]
    public void SettingsReadBackFromTheBrowserAreBroughtIntoRange()
    {
        Assert.Equal(0.99, new ChartSettings(Smoothing: 5).Normalized().Smoothing, Tolerance);
        Assert.Equal(0, new ChartSettings(Smoothing: double.NaN).Normalized().Smoothing, Tolerance);
        Assert.Equal(0.62, new ChartSettings(Smoothing: 0.6234).Normalized().Smoothing, Tolerance);
        Assert.Equal(ChartXAxis.Epoch, new ChartSettings(X: (ChartXAxis)42).Normalized().X);
        Assert.Equal(new ChartSettings(0.3, true, ChartXAxis.TrainingTime), ChartControls.Parse("""{"smoothing":0.3,"logScale":true,"x":"TrainingTime"}"""));
        Assert.Equal(0.99, ChartControls.Parse("""{"smoothing":7}""")!.Smoothing, Tolerance);
        Assert.Null(ChartControls.Parse("not json"));
        Assert.Null(ChartControls.Parse("""{"x":"Sideways"}"""));
        Assert.Null(ChartControls.Parse(null));
    }

    private static IReadOnlyList<EpochLine> Lines() =>
    [
        new("A", "#4e79a7", [new(1, 10, 0.9), new(2, 20, 0.5), new(3, 30, 0.7)]),
        new("B, with a comma", "#f28e2b", [new(1, 15, 0.8), new(2, 30, 0.6)]) { Dashed = true },
    ];

    [Theory]
    [InlineData(12, 12)]
    [InlineData(30, 6)]
    [InlineData(40, 8)]
    [InlineData(100, 10)]
    [InlineData(24, 8)]
    [InlineData(37, null)]
    public void LongEpochAxesGetTicksOnRoundStepsThatEndOnTheLastEpoch(int epochs, int? ticks)
    {
        Assert.Equal(ticks, Dashboard.Web.Components.Shared.ChartOptions.EpochTicks(epochs));
        if (ticks is { } t) Assert.Equal(0, epochs % t);
    }

    private static void AssertClose(IReadOnlyList<double> expected, IEnumerable<double> actual)
    {
        var values = actual.ToList();
        Assert.Equal(expected.Count, values.Count);
        for (var k = 0; k < values.Count; k++) Assert.Equal(expected[k], values[k], Tolerance);
    }
}
