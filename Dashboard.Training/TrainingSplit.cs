using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training;

/// <summary>
/// The images a run trains on and, optionally, a validation set held out of them: the first N training
/// images (the subset), of which a seeded random share is held out. Tensors live on the run's device.
/// </summary>
internal sealed class TrainingSplit : IDisposable
{
    private TrainingSplit(Tensor trainImages, Tensor trainLabels, Tensor? validationImages, Tensor? validationLabels)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        ValidationImages = validationImages;
        ValidationLabels = validationLabels;
    }

    public Tensor TrainImages { get; }
    public Tensor TrainLabels { get; }
    public Tensor? ValidationImages { get; }
    public Tensor? ValidationLabels { get; }
    public int TrainCount => (int)TrainLabels.shape[0];
    public int ValidationCount => (int)(ValidationLabels?.shape[0] ?? 0);

    /// <summary>Validation images for a fraction of a subset: at least one, and never all (the config limits the fraction to 0.5).</summary>
    public static int ValidationSize(int subsetCount, double fraction) =>
        fraction <= 0 ? 0 : Math.Clamp((int)Math.Round(fraction * subsetCount, MidpointRounding.AwayFromZero), 1, subsetCount - 1);

    public static TrainingSplit Create(Data.FashionMnistData data, int subsetCount, double validationFraction, ulong seed, Device device)
    {
        var validationCount = ValidationSize(subsetCount, validationFraction);
        if (validationCount == 0)
            return new TrainingSplit(data.TrainImages.narrow(0, 0, subsetCount).to(device), data.TrainLabels.narrow(0, 0, subsetCount).to(device), null, null);

        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        var permutation = randperm(subsetCount, generator: generator);
        // Sorted, so each side keeps the data set's order and only membership depends on the seed.
        var validation = permutation.narrow(0, 0, validationCount).sort().Values;
        var train = permutation.narrow(0, validationCount, subsetCount - validationCount).sort().Values;
        return new TrainingSplit(
            data.TrainImages.index_select(0, train).to(device).MoveToOuterDisposeScope(),
            data.TrainLabels.index_select(0, train).to(device).MoveToOuterDisposeScope(),
            data.TrainImages.index_select(0, validation).to(device).MoveToOuterDisposeScope(),
            data.TrainLabels.index_select(0, validation).to(device).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        ValidationImages?.Dispose();
        ValidationLabels?.Dispose();
    }
}
