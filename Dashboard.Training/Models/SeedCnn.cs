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
    /// Floats of activation one image leaves in a training step's graph: the channels-last input 784; conv1 with
    /// its in-place bias and ReLU 32 × 28² = 25,088, pooled 6,272; conv2 64 × 14² = 12,544, pooled 3,136; conv3
    /// 128 × 7² = 6,272, pooled 1,152; fc1 and its ReLU 2 × 512; fc2 10.
    /// </summary>
    public const long ActivationsPerImage = 784 + 25_088 + 6_272 + 12_544 + 3_136 + 6_272 + 1_152 + 2 * 512 + 10;

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
