using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Dashboard.Training;

/// <summary>Saving and loading weights through streams.</summary>
public static class ModelWeights
{
    /// <summary>The weights in TorchSharp's own format (round-trips exactly).</summary>
    public static byte[] Save(nn.Module module)
    {
        using var stream = new MemoryStream();
        module.save(stream);
        return stream.ToArray();
    }

    /// <summary>Loads TorchSharp-format weights into <paramref name="module"/> (on the CPU), then moves it to <paramref name="device"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not weights of this model.</exception>
    public static T Load<T>(T module, byte[] weights, Device? device = null) where T : nn.Module
    {
        try
        {
            module.to(CPU);
            using var stream = new MemoryStream(weights, writable: false);
            module.load(stream, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"The weights do not fit a {module.GetName()}: {e.Message}", e);
        }
        if (device is not null) module.to(device);
        return module;
    }

    /// <summary>Writes the weights as a PyTorch <c>state_dict</c> file that Python's <c>torch.load</c> opens.</summary>
    public static byte[] ExportPyTorch(nn.Module module)
    {
        using var stream = new MemoryStream();
        module.save_py(stream, leaveOpen: true);
        return stream.ToArray();
    }
}
