using Dashboard.Training;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

/// <summary>BnCnn and ResNetSmall: shapes, parameter counts, checkpoint keys, and what train and eval modes change.</summary>
public class StrongerModelTests
{
    public StrongerModelTests() => TorchRuntime.Initialize();

    [Theory]
    [InlineData(nameof(SeedCnn))]
    [InlineData(nameof(BnCnn))]
    [InlineData(nameof(ResNetSmall))]
    public void EveryCatalogModelMapsABatchToTenLogits(string name)
    {
        using var model = ModelCatalog.Create(name);
        using var input = randn(5, 1, 28, 28);
        model.eval();
        using var output = model.call(input);
        Assert.Equal([5L, 10L], output.shape);
        Assert.Equal(name, ModelCatalog.All.Single(m => m.Name == name).Name);
        Assert.False(string.IsNullOrWhiteSpace(ModelCatalog.All.Single(m => m.Name == name).Description));
    }

    [Fact]
    public void BnCnnHasTheCountedParameters()
    {
        // conv1 1·32·9 = 288, conv2 32·64·9 = 18,432, conv3 64·128·9 = 73,728 (no biases: BN follows);
        // BN weight + bias: 2·32 + 2·64 + 2·128 = 448; fc1 1152·512 + 512 = 590,336; fc2 512·10 + 10 = 5,130.
        const long expected = 288 + 18_432 + 73_728 + 448 + 590_336 + 5_130;
        Assert.Equal(688_362, expected);
        using var model = new BnCnn();
        Assert.Equal(expected, ModelCatalog.CountParameters(model));
        Assert.Equal(expected, ModelCatalog.All.Single(m => m.Name == nameof(BnCnn)).ParameterCount);
    }

    [Fact]
    public void ResNetSmallHasTheCountedParameters()
    {
        // stem conv 1·32·9 = 288 + BN 64;
        // stage1 (32→32): 2 convs 32·32·9 = 9,216 each + 2 BN of 64 = 18,560;
        // stage2 (32→64, stride 2): 32·64·9 = 18,432 + 64·64·9 = 36,864 + 1×1 shortcut 32·64 = 2,048 + 3 BN of 128 = 57,728;
        // stage3 (64→128, stride 2): 64·128·9 = 73,728 + 128·128·9 = 147,456 + 64·128 = 8,192 + 3 BN of 256 = 230,144;
        // fc 128·10 + 10 = 1,290.
        const long expected = 288 + 64 + 18_560 + 57_728 + 230_144 + 1_290;
        Assert.Equal(308_074, expected);
        using var model = new ResNetSmall();
        Assert.Equal(expected, ModelCatalog.CountParameters(model));
        Assert.Equal(expected, ModelCatalog.All.Single(m => m.Name == nameof(ResNetSmall)).ParameterCount);
        Assert.True(expected < 1_000_000);
    }

    // TorchSharp lists parameters first, then buffers (batch norm's running statistics), each in registration order.
    private static string[] Bn(string n) => [$"{n}.weight", $"{n}.bias"];
    private static string[] Stats(string n) => [$"{n}.running_mean", $"{n}.running_var", $"{n}.num_batches_tracked"];

    [Fact]
    public void BnCnnCheckpointKeysAreStable()
    {
        using var model = new BnCnn();
        Assert.Equal(
            [
                "conv1.weight", .. Bn("bn1"), "conv2.weight", .. Bn("bn2"), "conv3.weight", .. Bn("bn3"),
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
                .. Stats("bn1"), .. Stats("bn2"), .. Stats("bn3"),
            ],
            model.state_dict().Keys);
    }

    [Fact]
    public void ResNetSmallCheckpointKeysAreStable()
    {
        using var model = new ResNetSmall();
        string[] Block(string p, bool shortcut) =>
        [
            $"{p}.conv1.weight", .. Bn($"{p}.bn1"), $"{p}.conv2.weight", .. Bn($"{p}.bn2"),
            .. shortcut ? [$"{p}.shortcut.0.weight", .. Bn($"{p}.shortcut.1")] : Array.Empty<string>(),
        ];
        string[] BlockStats(string p, bool shortcut) =>
            [.. Stats($"{p}.bn1"), .. Stats($"{p}.bn2"), .. shortcut ? Stats($"{p}.shortcut.1") : Array.Empty<string>()];
        Assert.Equal(
            [
                "conv.weight", .. Bn("bn"), .. Block("stage1.0", false), .. Block("stage2.0", true), .. Block("stage3.0", true), "fc.weight", "fc.bias",
                .. Stats("bn"), .. BlockStats("stage1.0", false), .. BlockStats("stage2.0", true), .. BlockStats("stage3.0", true),
            ],
            model.state_dict().Keys);
    }

    [Theory]
    [InlineData(nameof(BnCnn))]
    [InlineData(nameof(ResNetSmall))]
    public void EvalModeIsDeterministicAndIndependentOfTheRestOfTheBatch(string name)
    {
        using var model = ModelCatalog.Create(name);
        using var batch = randn(8, 1, 28, 28);
        using var otherBatch = cat([batch.narrow(0, 0, 1), randn(7, 1, 28, 28)], 0);
        model.eval();
        using var noGrad = no_grad();
        using var a = model.call(batch);
        using var b = model.call(batch);
        using var c = model.call(otherBatch);
        Assert.True(Same(a, b));
        // Batch norm uses its running statistics in eval mode, so image 0 does not see its neighbours.
        Assert.True(a[0].allclose(c[0], rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData(nameof(BnCnn))]
    [InlineData(nameof(ResNetSmall))]
    public void TrainModeNormalisesByTheBatchAndUpdatesRunningStatistics(string name)
    {
        using var model = ModelCatalog.Create(name);
        using var batch = randn(8, 1, 28, 28);
        using var otherBatch = cat([batch.narrow(0, 0, 1), randn(7, 1, 28, 28).mul(3)], 0);
        var before = RunningMeans(model);
        model.train();
        using var noGrad = no_grad();
        manual_seed(1);
        using var a = model.call(batch);
        manual_seed(1);
        using var c = model.call(otherBatch);
        // Same dropout masks (same seed), yet image 0's output changes with its neighbours: batch statistics.
        Assert.False(a[0].allclose(c[0], rtol: 1e-3, atol: 1e-4));
        Assert.NotEqual(before, RunningMeans(model));
    }

    [Fact]
    public void BnCnnDropoutMakesTrainModeRandom()
    {
        using var model = new BnCnn();
        using var batch = randn(8, 1, 28, 28);
        model.train();
        using var noGrad = no_grad();
        using var a = model.call(batch);
        using var b = model.call(batch);
        Assert.False(a.allclose(b));
    }

    [Theory]
    [InlineData(nameof(BnCnn))]
    [InlineData(nameof(ResNetSmall))]
    public void SavedWeightsIncludeRunningStatistics(string name)
    {
        using var model = ModelCatalog.Create(name);
        model.train();
        using (no_grad())
        {
            for (var i = 0; i < 3; i++) model.call(randn(16, 1, 28, 28).mul(2).add(1)).Dispose();
        }
        using var reloaded = ModelWeights.Load(ModelCatalog.Create(name), ModelWeights.Save(model));
        model.eval();
        reloaded.eval();
        using var input = randn(4, 1, 28, 28);
        using var noGrad = no_grad();
        Assert.True(Same(model.call(input), reloaded.call(input)));
    }

    private static float[] RunningMeans(nn.Module model) =>
        model.state_dict().Where(kv => kv.Key.EndsWith("running_mean", StringComparison.Ordinal)).SelectMany(kv => kv.Value.data<float>().ToArray()).ToArray();

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
