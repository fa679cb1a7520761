using Dashboard.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Inference;

/// <summary>Classifies single images with a trained model: the prediction core shared by the API, the Sketch page and the benchmark.</summary>
public static class Classifier
{
    /// <summary>Pixels in one image (28 × 28).</summary>
    public const int PixelCount = FashionMnist.ImageSize * FashionMnist.ImageSize;

    /// <summary>
    /// Softmax probabilities of the 10 classes for one image, computed without gradients.
    /// </summary>
    /// <param name="model">A model in evaluation mode (dropout or batch-norm layers would otherwise behave as in training).</param>
    /// <param name="pixels">784 values, 0–255, row-major, light item on black: the data set's own form.</param>
    /// <exception cref="ArgumentException">Not 784 values, or a value outside 0–255.</exception>
    /// <exception cref="InvalidOperationException">The model is in training mode.</exception>
    public static float[] Probabilities(nn.Module<Tensor, Tensor> model, ReadOnlySpan<float> pixels)
    {
        if (model.training)
            throw new InvalidOperationException("The model is in training mode; call eval() before classifying.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var input = ToInput(pixels).to(device);
        var probabilities = nn.functional.softmax(model.call(input), 1).cpu();
        return probabilities.data<float>().ToArray();
    }

    /// <summary>
    /// The input tensor [1, 1, 28, 28], normalised exactly as training normalises the data set
    /// (<see cref="FashionMnistData.Normalize"/>: x / 255, minus the mean, divided by the deviation).
    /// </summary>
    /// <exception cref="ArgumentException">Not 784 values, or a value outside 0–255.</exception>
    public static Tensor ToInput(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != PixelCount)
            throw new ArgumentException($"An image has {PixelCount} pixels (28 × 28), but {pixels.Length} were given.", nameof(pixels));
        foreach (var p in pixels)
        {
            if (!(p is >= 0 and <= 255))
                throw new ArgumentException($"Pixel values must be between 0 and 255 (got {p}).", nameof(pixels));
        }
        // The same operations in the same order as FashionMnistData.Normalize, so whole-number pixels give identical tensors.
        return tensor(pixels.ToArray(), new long[] { 1, 1, FashionMnist.ImageSize, FashionMnist.ImageSize })
            .div_(255f).sub_(FashionMnist.PixelMean).div_(FashionMnist.PixelStd);
    }

    /// <summary>The mean of several probability vectors: an ensemble's prediction.</summary>
    /// <exception cref="ArgumentException">No vectors, or vectors of different lengths.</exception>
    public static float[] Mean(IReadOnlyList<float[]> probabilities)
    {
        if (probabilities.Count == 0) throw new ArgumentException("An ensemble needs at least one member.", nameof(probabilities));
        var length = probabilities[0].Length;
        var mean = new double[length];
        foreach (var p in probabilities)
        {
            if (p.Length != length) throw new ArgumentException("Every member must give the same number of classes.", nameof(probabilities));
            for (var i = 0; i < length; i++) mean[i] += p[i];
        }
        return mean.Select(m => (float)(m / probabilities.Count)).ToArray();
    }

    /// <summary>The index of the largest value (the first one on ties, like argmax).</summary>
    public static int TopClass(ReadOnlySpan<float> probabilities)
    {
        var best = 0;
        for (var i = 1; i < probabilities.Length; i++)
            if (probabilities[i] > probabilities[best]) best = i;
        return best;
    }
}
