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
    public void ChannelsLastKeepsTheValuesAndChangesOnlyTheLayout()
    {
        TorchRuntime.Initialize();
        using var x = randn(4, 3, 5, 6);
        using var y = ChannelsLast.Of(x);
        Assert.Equal(x.shape, y.shape);
        Assert.Equal([90L, 1L, 18L, 3L], y.stride());
        Assert.True(x.equal(y).all().item<bool>());
        Assert.Same(y, ChannelsLast.Of(y));
    }

    [Fact]
    public void ConvolutionsPassTheChannelsLastLayoutOn()
    {
        // The models' speed-up rests on libtorch keeping the layout from layer to layer; a libtorch that
        // stops doing so makes every model fall back to the slow NCHW max-pool (decision 0011).
        TorchRuntime.Initialize();
        using var conv = nn.Conv2d(1, 32, 3, padding: 1);
        using var input = ChannelsLast.Of(randn(8, 1, 28, 28));
        using var output = nn.functional.max_pool2d(nn.functional.relu(conv.call(input)), 2);
        Assert.Equal([6272L, 1L, 448L, 32L], output.stride());
    }

    [Fact]
    public void SeedCnnComputesTheReportsNetworkInEitherLayout()
    {
        TorchRuntime.Initialize();
        using var model = new SeedCnn();
        model.eval();
        using var input = randn(6, 1, 28, 28);
        var p = model.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // The report's network, step by step in the plain NCHW layout.
        var x = input;
        foreach (var conv in new[] { "conv1", "conv2", "conv3" })
            x = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(x, p[$"{conv}.weight"], p[$"{conv}.bias"], padding: [1, 1])), 2);
        x = nn.functional.relu(nn.functional.linear(x.flatten(1), p["fc1.weight"], p["fc1.bias"]));
        var expected = nn.functional.linear(x, p["fc2.weight"], p["fc2.bias"]);
        Assert.True(expected.is_contiguous());
        Assert.True(model.call(input).allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void SeedCnnsGradientsAreTheReportsNetworks()
    {
        // SeedCnn adds its convolutions' biases apart (for speed); the gradients must be the plain layers' own.
        TorchRuntime.Initialize();
        using var model = new SeedCnn();
        using var input = randn(6, 1, 28, 28);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5 });
        var p = model.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        using var scope = NewDisposeScope();

        nn.functional.cross_entropy(model.call(input), labels).backward();
        var fromModel = p.ToDictionary(kv => kv.Key, kv => kv.Value.grad!.clone());
        model.zero_grad();
        var x = input;
        foreach (var conv in new[] { "conv1", "conv2", "conv3" })
            x = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(x, p[$"{conv}.weight"], p[$"{conv}.bias"], padding: [1, 1])), 2);
        x = nn.functional.relu(nn.functional.linear(x.flatten(1), p["fc1.weight"], p["fc1.bias"]));
        nn.functional.cross_entropy(nn.functional.linear(x, p["fc2.weight"], p["fc2.bias"]), labels).backward();

        foreach (var (name, parameter) in p)
        {
            Assert.True(fromModel[name].abs().sum().item<float>() > 0, $"{name} got no gradient");
            // Summed in another order, so compared at the gradient's own scale rather than element by element.
            var (difference, scale) = ((fromModel[name] - parameter.grad!).abs().max().item<float>(), parameter.grad!.abs().max().item<float>());
            Assert.True(difference <= 1e-4 * scale, $"{name}'s gradient differs: max |Δ| {difference:G3}, max |g| {scale:G3}");
        }
    }

    [Fact]
    public void ParametersStayContiguousThroughTraining()
    {
        // Checkpoints, stored weights and the PyTorch export read parameters as contiguous blocks.
        TorchRuntime.Initialize();
        using var model = new SeedCnn();
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        using var scope = NewDisposeScope();
        for (var step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(randn(16, 1, 28, 28)), randint(0, 10, [16])).backward();
            optimizer.step();
        }
        Assert.All(model.parameters(), p => Assert.True(p.is_contiguous(), $"a parameter of shape [{string.Join(", ", p.shape)}] is no longer contiguous"));
    }

    [Fact]
    public void UnknownModelNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Create("ResNet9000"));
        Assert.Contains("SeedCnn", e.Message);
    }
}
