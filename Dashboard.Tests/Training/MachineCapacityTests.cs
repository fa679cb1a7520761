using Dashboard.Training;
using Dashboard.Training.Models;

namespace Dashboard.Tests.Training;

public sealed class MachineCapacityTests
{
    private static readonly MachineCapacity Small = new(Cores: 2, MemoryBudgetBytes: 8L << 30);

    private static IEnumerable<ConfigError> Errors(TrainingConfig config, string field) =>
        config.Validate(cudaAvailable: false, Small).Where(e => e.Field == field);

    [Theory]
    [InlineData(nameof(SeedCnn))]
    [InlineData(nameof(BnCnn))]
    [InlineData(nameof(ResNetSmall))]
    public void EachModelTakesBatchesUpToItsCapAndNotOneMore(string name)
    {
        var model = ModelCatalog.Find(name)!;
        var cap = model.MaxBatchSize(Small.MemoryBudgetBytes);

        Assert.Empty(Errors(new TrainingConfig { Model = name, BatchSize = cap }, nameof(TrainingConfig.BatchSize)));
        var error = Assert.Single(Errors(new TrainingConfig { Model = name, BatchSize = cap + 1 }, nameof(TrainingConfig.BatchSize)));
        Assert.Contains(name, error.Message);
        Assert.Contains($"The largest batch for {name} here is {cap:N0}", error.Message);
    }

    [Fact]
    public void TheEstimateGrowsWithTheArchitecture()
    {
        // SeedCnn 56,282 floats an image; BnCnn adds a batch norm and a ReLU copy per stage; ResNetSmall works at 28×28 longest.
        Assert.Equal(56_282, SeedCnn.ActivationsPerImage);
        Assert.True(SeedCnn.ActivationsPerImage < BnCnn.ActivationsPerImage && BnCnn.ActivationsPerImage < ResNetSmall.ActivationsPerImage);
        Assert.Equal(SeedCnn.ActivationsPerImage * 4 * 3, ModelCatalog.Find(nameof(SeedCnn))!.TrainingBytesPerImage);
    }

    [Fact]
    public void ABatchLargerThanTheTrainingSubsetCountsOnlyTheSubset()
    {
        var config = new TrainingConfig { Model = nameof(ResNetSmall), BatchSize = 60_000, TrainSubset = 1_000 };

        Assert.Empty(Errors(config, nameof(TrainingConfig.BatchSize)));
        Assert.Single(Errors(config with { TrainSubset = null }, nameof(TrainingConfig.BatchSize)));
    }

    [Fact]
    public void ThreadsAreAtMostTheCores()
    {
        Assert.Empty(Errors(new TrainingConfig { Threads = 2 }, nameof(TrainingConfig.Threads)));
        var error = Assert.Single(Errors(new TrainingConfig { Threads = 3 }, nameof(TrainingConfig.Threads)));
        Assert.Contains("this machine's 2 cores (got 3)", error.Message);
    }
}
