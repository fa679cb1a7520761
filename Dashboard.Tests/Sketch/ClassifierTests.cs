using Dashboard.Tests.Support;
using Dashboard.Training.Data;
using Dashboard.Training.Inference;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Sketch;

public class ClassifierTests
{
    public ClassifierTests() => TorchRuntime.Initialize();

    [Fact]
    public void InputIsNormalisedExactlyAsTrainingNormalisesTheDataSet()
    {
        var bytes = RealData.Get().TestPixels.AsSpan(0, Classifier.PixelCount).ToArray();

        using var input = Classifier.ToInput(bytes.Select(b => (float)b).ToArray());
        using var training = FashionMnistData.Normalize(bytes, 1);

        Assert.Equal(new long[] { 1, 1, 28, 28 }, input.shape);
        Assert.True(input.eq(training).all().item<bool>(), "the prediction input differs from the training input");
    }

    [Fact]
    public void ProbabilitiesOfTenClassesSumToOne()
    {
        using var model = new SeedCnn();
        model.eval();
        var pixels = RealData.Get().TestPixels.AsSpan(784, 784).ToArray().Select(b => (float)b).ToArray();

        var probabilities = Classifier.Probabilities(model, pixels);

        Assert.Equal(10, probabilities.Length);
        Assert.Equal(1.0, probabilities.Sum(), 1e-5);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void RefusesAModelInTrainingMode()
    {
        using var model = new SeedCnn();

        var e = Assert.Throws<InvalidOperationException>(() => Classifier.Probabilities(model, new float[784]));
        Assert.Contains("eval()", e.Message);
    }

    [Theory]
    [InlineData(783, 0f)]
    [InlineData(785, 0f)]
    [InlineData(784, 256f)]
    [InlineData(784, -1f)]
    [InlineData(784, float.NaN)]
    public void RefusesWrongPixelCountsAndValues(int count, float value)
    {
        var pixels = new float[count];
        pixels[^1] = value;

        Assert.Throws<ArgumentException>(() => Classifier.ToInput(pixels));
    }

    [Fact]
    public void EnsembleIsTheMeanAndTheTopClassIsTheFirstLargest()
    {
        var mean = Classifier.Mean([[0.2f, 0.8f, 0f], [0.6f, 0.2f, 0.2f]]);

        Assert.Equal([0.4f, 0.5f, 0.1f], mean);
        Assert.Equal(1, Classifier.TopClass(mean));
        Assert.Equal(0, Classifier.TopClass([0.5f, 0.5f]));
        Assert.Throws<ArgumentException>(() => Classifier.Mean([]));
    }
}
