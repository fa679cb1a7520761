using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training;

/// <summary>Random generator states as bytes, so a checkpoint can carry them.</summary>
internal static class GeneratorState
{
    public static byte[] Get(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    public static void Set(Generator generator, byte[] bytes)
    {
        using var state = tensor(bytes, ScalarType.Byte);
        generator.set_state(state);
    }

    /// <summary>torch's global CPU generator (weight initialisation, dropout).</summary>
    public static byte[] GetGlobal()
    {
        using var state = torch.random.get_rng_state();
        return state.data<byte>().ToArray();
    }

    public static void SetGlobal(byte[] bytes)
    {
        using var state = tensor(bytes, ScalarType.Byte);
        torch.random.set_rng_state(state);
    }

    /// <summary>
    /// A seed for one purpose (augmentation, the validation split) derived from the run's seed, so the
    /// streams differ from the batch-order stream and from each other (SplitMix64's finaliser).
    /// </summary>
    public static ulong Derive(long seed, ulong purpose)
    {
        var z = unchecked((ulong)seed + purpose * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
