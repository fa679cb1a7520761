using Dashboard.Training;

namespace Dashboard.Tests.Training;

public class TrainingConfigTests
{
    private static ConfigError Single(TrainingConfig config) => Assert.Single(config.Validate());

    [Fact]
    public void ReportPresetsAreValid()
    {
        Assert.Empty(TrainingConfig.ReportControl.Validate());
        Assert.Equal((10, 128, 1e-4, 1e-3), (TrainingConfig.ReportControl.Epochs, TrainingConfig.ReportControl.BatchSize, TrainingConfig.ReportControl.WeightDecay, TrainingConfig.ReportControl.LearningRate));
        Assert.Equal((15, 64), (TrainingConfig.ReportBest.Epochs, TrainingConfig.ReportBest.BatchSize));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(10.5)]
    public void RejectsBadLearningRate(double lr)
    {
        var e = Single(TrainingConfig.ReportControl with { LearningRate = lr });
        Assert.Equal(nameof(TrainingConfig.LearningRate), e.Field);
        Assert.Contains("Learning rate", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(501)]
    public void RejectsEpochsOutOfRange(int epochs) => Assert.Equal("Epochs", Single(TrainingConfig.ReportControl with { Epochs = epochs }).Field);

    [Theory]
    [InlineData(0)]
    [InlineData(60_001)]
    public void RejectsBatchSizeOutOfRange(int batch) => Assert.Equal("BatchSize", Single(TrainingConfig.ReportControl with { BatchSize = batch }).Field);

    [Theory]
    [InlineData(-1e-4)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void RejectsBadWeightDecay(double wd) => Assert.Equal("WeightDecay", Single(TrainingConfig.ReportControl with { WeightDecay = wd }).Field);

    [Fact]
    public void GivesOneMessagePerBadField()
    {
        var errors = (TrainingConfig.ReportControl with { Epochs = 0, BatchSize = -1, LearningRate = double.NaN, WeightDecay = -1, Model = "Nope", TrainSubset = 0, Threads = -2 }).Validate();
        Assert.Equal(["Model", "Epochs", "BatchSize", "LearningRate", "WeightDecay", "Threads", "TrainSubset"], errors.Select(e => e.Field));
    }

    [Fact]
    public void RefusesCudaWhereThereIsNone()
    {
        var config = TrainingConfig.ReportControl with { Device = DeviceChoice.Cuda };
        Assert.Empty(config.Validate(cudaAvailable: true));
        Assert.Contains("no CUDA device", Assert.Single(config.Validate(cudaAvailable: false)).Message);
    }

    [Fact]
    public void RefusesUndefinedEnumValues()
    {
        Assert.Equal("Optimizer", Single(TrainingConfig.ReportControl with { Optimizer = (OptimizerKind)42 }).Field);
    }
}
