using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

// Field names are the checkpoint keys, kept identical to the PyTorch module they mirror.
#pragma warning disable IDE1006

namespace Dashboard.Training.Models;

/// <summary>
/// ResNet's basic block: 3×3 conv + BN + ReLU, 3×3 conv + BN, plus the input, then ReLU. Where the
/// block changes the channel count or strides, the input passes through a 1×1 conv + BN (<c>shortcut</c>)
/// so that it can be added.
/// </summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? shortcut;

    /// <summary>A block from <paramref name="inChannels"/> to <paramref name="outChannels"/>; stride 2 halves the image side.</summary>
    public ResidualBlock(int inChannels, int outChannels, int stride) : base(nameof(ResidualBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            shortcut = Sequential(Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), BatchNorm2d(outChannels));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        var identity = shortcut is null ? input : shortcut.forward(input);
        return functional.relu(x.add_(identity)).MoveToOuterDisposeScope();
    }
}
