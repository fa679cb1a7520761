using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

// Field names are the checkpoint keys, kept identical to the PyTorch module they mirror.
#pragma warning disable IDE1006

namespace Dashboard.Training.Models;

/// <summary>
/// The lab report's network: three 3×3 conv + ReLU + 2×2 max-pool stages (32, 64, 128 channels),
/// then 1152 → 512 → 10. 688,138 parameters. Field names are the checkpoint keys.
/// </summary>
public sealed class SeedCnn : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d conv3;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public SeedCnn() : base(nameof(SeedCnn))
    {
        conv1 = Conv2d(1, 32, 3, padding: 1);
        conv2 = Conv2d(32, 64, 3, padding: 1);
        conv3 = Conv2d(64, 128, 3, padding: 1);
        fc1 = Linear(128 * 3 * 3, 512);
        fc2 = Linear(512, FashionMnistClasses);
        RegisterComponents();
    }

    private const int FashionMnistClasses = 10;

    /// <summary>
    /// The layer's convolution with its bias added apart. With channels-last activations oneDNN computes a
    /// bias's gradient on a slow path (~6 % of a step in perf); added apart, libtorch's vectorised reduction
    /// sums it, and a step is ~6 % faster (decision 0011). Parameters, initialisation and checkpoint keys
    /// stay the layer's own.
    /// </summary>
    private static Tensor Convolve(Conv2d conv, Tensor x) =>
        functional.conv2d(x, conv.weight!, padding: [1, 1]).add_(conv.bias!.view(1, -1, 1, 1));

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.max_pool2d(functional.relu(Convolve(conv1, ChannelsLast.Of(input)), inplace: true), 2);
        x = functional.max_pool2d(functional.relu(Convolve(conv2, x), inplace: true), 2);
        x = functional.max_pool2d(functional.relu(Convolve(conv3, x), inplace: true), 2);
        x = functional.relu(fc1.forward(x.flatten(1)));
        return fc2.forward(x).MoveToOuterDisposeScope();
    }
}
