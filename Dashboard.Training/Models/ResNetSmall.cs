using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

// Field names are the checkpoint keys, kept identical to the PyTorch module they mirror.
#pragma warning disable IDE1006

namespace Dashboard.Training.Models;

/// <summary>
/// A small residual network for 28×28 images: a 3×3 stem (32 channels), three stages of
/// <see cref="ResidualBlock"/>s at 28×28 (32 channels), 14×14 (64) and 7×7 (128), global average
/// pooling and one linear layer. 308,074 parameters. Field names are the checkpoint keys.
/// </summary>
/// <remarks>
/// One block per stage: two per stage (696,042 parameters) costs about twice the time per epoch on a
/// CPU for a fraction of a point on Fashion-MNIST. Count: stem 288 + 64; stage1 2 × 9,216 + 2 × 64 = 18,560;
/// stage2 18,432 + 36,864 + 2,048 (1×1 shortcut) + 3 × 128 = 57,728; stage3 73,728 + 147,456 + 8,192
/// + 3 × 256 = 230,144; fc 128 × 10 + 10 = 1,290.
/// </remarks>
public sealed class ResNetSmall : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly Sequential stage1;
    private readonly Sequential stage2;
    private readonly Sequential stage3;
    private readonly Linear fc;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public ResNetSmall() : base(nameof(ResNetSmall))
    {
        conv = Conv2d(1, 32, 3, padding: 1, bias: false);
        bn = BatchNorm2d(32);
        stage1 = Sequential(new ResidualBlock(32, 32, stride: 1));
        stage2 = Sequential(new ResidualBlock(32, 64, stride: 2));
        stage3 = Sequential(new ResidualBlock(64, 128, stride: 2));
        fc = Linear(128, FashionMnistClasses);
        RegisterComponents();
    }

    private const int FashionMnistClasses = 10;

    /// <summary>
    /// Floats of activation one image leaves in a training step's graph: the channels-last input 784; the stem's
    /// convolution, batch norm and ReLU 3 × 32 × 28²; stage 1 (conv, BN, ReLU, conv, BN, ReLU; identity shortcut)
    /// 6 × 32 × 28²; stages 2 and 3 the same plus the 1×1 shortcut's conv and BN, 8 × 64 × 14² and 8 × 128 × 7²;
    /// the pooled 128 and fc 10.
    /// </summary>
    public const long ActivationsPerImage = 784 + 3 * 25_088 + 6 * 25_088 + 8 * 12_544 + 8 * 6_272 + 128 + 10;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn.forward(conv.forward(ChannelsLast.Of(input))));
        x = stage3.forward(stage2.forward(stage1.forward(x)));
        x = functional.adaptive_avg_pool2d(x, 1).flatten(1);
        return fc.forward(x).MoveToOuterDisposeScope();
    }
}
