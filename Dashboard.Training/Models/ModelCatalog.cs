using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Models;

/// <summary>Models selectable by name.</summary>
public static class ModelCatalog
{
    private static readonly Dictionary<string, ModelInfo> Models = new(StringComparer.Ordinal)
    {
        [nameof(SeedCnn)] = new(nameof(SeedCnn), "The lab report's CNN: 3 conv + 2 fully connected layers.", () => new SeedCnn()),
        [nameof(BnCnn)] = new(nameof(BnCnn), "The report's CNN with batch normalisation after each conv and dropout around fc1.", () => new BnCnn()),
        [nameof(ResNetSmall)] = new(nameof(ResNetSmall), "A small residual network: 3 stages (32/64/128 channels), global average pooling.", () => new ResNetSmall()),
    };

    /// <summary>All models, in display order.</summary>
    public static IReadOnlyCollection<ModelInfo> All => Models.Values;

    /// <summary>Whether a model of that name exists (names are case-sensitive).</summary>
    public static bool Contains(string name) => Models.ContainsKey(name);

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
public sealed record ModelInfo(string Name, string Description, Func<nn.Module<Tensor, Tensor>> Factory)
{
    private readonly Lazy<long> _parameterCount = new(() =>
    {
        using var model = Factory();
        return ModelCatalog.CountParameters(model);
    });

    /// <summary>Number of trainable parameters (computed once).</summary>
    public long ParameterCount => _parameterCount.Value;
}
