using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

// Field names are the checkpoint keys, kept identical to the PyTorch module they mirror.
#pragma warning disable IDE1006

namespace Dashboard.Training.Models;

/// <summary>
/// The seed network with batch normalisation after each convolution and dropout around the first
/// fully connected layer: three 3×3 conv + BN + ReLU + 2×2 max-pool stages (32, 64, 128 channels),
/// dropout 0.25, 1152 → 512, ReLU, dropout 0.5, 512 → 10. 688,362 parameters. Field names are the checkpoint keys.
/// </summary>
/// <remarks>
/// The convolutions have no bias: the batch normalisation right after subtracts the mean, so a bias
/// would be cancelled and only cost parameters. Count: conv 288 + 18,432 + 73,728; BN 2 × (32 + 64 + 128)
/// = 448; fc1 1152 × 512 + 512 = 590,336; fc2 512 × 10 + 10 = 5,130.
/// </remarks>
public sealed class BnCnn : Module<Tensor, Tensor>
{
    /// <summary>Dropout before fc1: light, because the convolutions already see batch-normalised inputs.</summary>
    public const double FeatureDropout = 0.25;
    /// <summary>Dropout after fc1, on its 512 units (the classic rate for a wide fully connected layer).</summary>
    public const double HiddenDropout = 0.5;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Dropout dropout1;
    private readonly Linear fc1;
    private readonly Dropout dropout2;
    private readonly Linear fc2;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public BnCnn() : base(nameof(BnCnn))
    {
        conv1 = Conv2d(1, 32, 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(32);
        conv2 = Conv2d(32, 64, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(64);
        conv3 = Conv2d(64, 128, 3, padding: 1, bias: false);
        bn3 = BatchNorm2d(128);
        dropout1 = Dropout(FeatureDropout);
        fc1 = Linear(128 * 3 * 3, 512);
        dropout2 = Dropout(HiddenDropout);
        fc2 = Linear(512, FashionMnistClasses);
        RegisterComponents();
    }

    private const int FashionMnistClasses = 10;

    /// <summary>
    /// Floats of activation one image leaves in a training step's graph: the channels-last input 784; per stage the
    /// convolution, batch norm and ReLU outputs (3 × 32 × 28², 3 × 64 × 14², 3 × 128 × 7²) and the pooled map
    /// (6,272, 3,136, 1,152); dropout 1,152; fc1, its ReLU and dropout 3 × 512; fc2 10.
    /// </summary>
    public const long ActivationsPerImage = 784 + 3 * 25_088 + 6_272 + 3 * 12_544 + 3_136 + 3 * 6_272 + 1_152 + 1_152 + 3 * 512 + 10;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.max_pool2d(functional.relu(bn1.forward(conv1.forward(ChannelsLast.Of(input)))), 2);
        x = functional.max_pool2d(functional.relu(bn2.forward(conv2.forward(x))), 2);
        x = functional.max_pool2d(functional.relu(bn3.forward(conv3.forward(x))), 2);
        x = functional.relu(fc1.forward(dropout1.forward(x.flatten(1))));
        return fc2.forward(dropout2.forward(x)).MoveToOuterDisposeScope();
    }
}
