using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dashboard.Training;

/// <summary>An optimizer's state (moments, step counts, options) as bytes, through TorchSharp's own format.</summary>
internal static class OptimizerState
{
    public static byte[] Save(optim.Optimizer optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            Helper(optimizer).save_state_dict(writer);
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not the state of this optimizer over these parameters.</exception>
    public static void Load(optim.Optimizer optimizer, byte[] state, Device device)
    {
        var helper = Helper(optimizer);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
            helper.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            throw new InvalidDataException($"The optimizer state does not fit this {optimizer.GetType().Name}: {e.Message}", e);
        }
        helper.to(device);
    }

    // Adam, AdamW and SGD are all managed implementations deriving from OptimizerHelper in TorchSharp 0.107.
    private static OptimizerHelper Helper(optim.Optimizer optimizer) => optimizer as OptimizerHelper
        ?? throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state in this TorchSharp version.");
}
