using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Models;

/// <summary>Models selectable by name.</summary>
public static class ModelCatalog
{
    private static readonly Dictionary<string, ModelInfo> Models = new(StringComparer.Ordinal)
    {
        [nameof(SeedCnn)] = new(nameof(SeedCnn), "The lab report's CNN: 3 conv + 2 fully connected layers.", () => new SeedCnn(), SeedCnn.ActivationsPerImage),
        [nameof(BnCnn)] = new(nameof(BnCnn), "The report's CNN with batch normalisation after each conv and dropout around fc1.", () => new BnCnn(), BnCnn.ActivationsPerImage),
        [nameof(ResNetSmall)] = new(nameof(ResNetSmall), "A small residual network: 3 stages (32/64/128 channels), global average pooling.", () => new ResNetSmall(), ResNetSmall.ActivationsPerImage),
    };

    /// <summary>The model of that name, or null (names are case-sensitive).</summary>
    public static ModelInfo? Find(string? name) => name is not null && Models.TryGetValue(name, out var info) ? info : null;

    /// <summary>All models, in display order.</summary>
    public static IReadOnlyCollection<ModelInfo> All => Models.Values;

    /// <summary>Whether a model of that name exists (names are case-sensitive).</summary>
    public static bool Contains(string? name) => name is not null && Models.ContainsKey(name);

    /// <summary>Creates a fresh, randomly initialised model.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static nn.Module<Tensor, Tensor> Create(string name) =>
        Models.TryGetValue(name, out var info)
            ? info.Factory()
            : throw new ArgumentException($"Unknown model '{name}'. Known models: {string.Join(", ", Models.Keys)}.", nameof(name));

    /// <summary>Number of trainable parameters of a model.</summary>
    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());
}

/// <summary>A selectable model.</summary>
/// <param name="Name">The name used in configs.</param>
/// <param name="Description">One line for the UI.</param>
/// <param name="Factory">Creates a fresh instance.</param>
/// <param name="ActivationsPerImage">Floats of activation one training image leaves in the graph of a step, from the layer shapes.</param>
public sealed record ModelInfo(string Name, string Description, Func<nn.Module<Tensor, Tensor>> Factory, long ActivationsPerImage)
{
    /// <summary>
    /// Forward activations are kept for the backward pass, which makes a gradient of each and scratch of similar
    /// size: three copies is the estimate (docs/decisions/0017-strict-input.md).
    /// </summary>
    public const int CopiesPerActivation = 3;

    /// <summary>Estimated bytes of activation memory per image in a training step (float32).</summary>
    public long TrainingBytesPerImage => ActivationsPerImage * sizeof(float) * CopiesPerActivation;

    /// <summary>The largest batch whose estimated activations fit in <paramref name="memoryBudgetBytes"/> (at least 1).</summary>
    public int MaxBatchSize(long memoryBudgetBytes) => (int)Math.Clamp(memoryBudgetBytes / TrainingBytesPerImage, 1, int.MaxValue);

    private readonly Lazy<long> _parameterCount = new(() =>
    {
        using var model = Factory();
        return ModelCatalog.CountParameters(model);
    });

    /// <summary>Number of trainable parameters (computed once).</summary>
    public long ParameterCount => _parameterCount.Value;
}
