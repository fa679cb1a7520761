using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

public class ModelTests
{
    [Fact]
    public void TorchSharpLoadsItsNativeLibraries()
    {
        // Fails when libLibTorchSharp.so cannot load (e.g. the GLIBCXX patch of build/TorchSharp.targets did not run).
        TorchRuntime.Initialize();
        using var x = ones(3, 4);
        Assert.Equal(12f, x.sum().item<float>());
    }

    [Fact]
    public void SeedCnnHasTheReportsParameterCount()
    {
        TorchRuntime.Initialize();
        using var model = ModelCatalog.Create(nameof(SeedCnn));
        Assert.Equal(688_138, ModelCatalog.CountParameters(model));
        Assert.Equal(688_138, ModelCatalog.All.Single(m => m.Name == nameof(SeedCnn)).ParameterCount);
    }

    [Fact]
    public void SeedCnnMapsABatchToTenLogits()
    {
        TorchRuntime.Initialize();
        using var model = ModelCatalog.Create(nameof(SeedCnn));
        using var input = randn(5, 1, 28, 28);
        using var output = model.call(input);
        Assert.Equal([5L, 10L], output.shape);
    }

    [Fact]
    public void CheckpointKeysAreStable()
    {
        TorchRuntime.Initialize();
        using var model = new SeedCnn();
        Assert.Equal(
            ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"],
            model.state_dict().Keys);
    }

    [Fact]
    public void UnknownModelNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Create("ResNet9000"));
        Assert.Contains("SeedCnn", e.Message);
    }
}
