using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

public class EnsembleAndGalleryTests
{
    private const int Classes = FashionMnist.ClassCount;

    /// <summary>An evaluation whose rows are the given probabilities (padded with zeros to 10 classes), predictions their argmax.</summary>
    private static EvaluationResult Evaluation(int[] truth, params float[][] rows)
    {
        var probabilities = new float[rows.Length * Classes];
        for (var i = 0; i < rows.Length; i++) rows[i].CopyTo(probabilities, i * Classes);
        var predictions = rows.Select(r => Array.IndexOf(r, r.Max())).ToArray();
        var accuracy = (double)truth.Zip(predictions).Count(p => p.First == p.Second) / truth.Length;
        var loss = truth.Select((t, i) => -Math.Log(rows[i][t])).Average();
        return new EvaluationResult(loss, accuracy, truth, predictions, probabilities);
    }

    [Fact]
    public void EnsembleIsTheMeanOfTheMembersSoftmax()
    {
        int[] truth = [0, 1];
        var a = Evaluation(truth, [0.7f, 0.2f, 0.1f], [0.6f, 0.3f, 0.1f]);
        var b = Evaluation(truth, [0.1f, 0.8f, 0.1f], [0.2f, 0.7f, 0.1f]);
        var c = Evaluation(truth, [0.4f, 0.1f, 0.5f], [0.1f, 0.2f, 0.7f]);

        var ensemble = Ensemble.Combine([a, b, c]);

        for (var k = 0; k < Classes * 2; k++)
            Assert.Equal((a.Probabilities[k] + (double)b.Probabilities[k] + c.Probabilities[k]) / 3, ensemble.Probabilities[k], 1e-6);
        // Means: image 0 (0.4, 0.367, 0.233) → class 0, right; image 1 (0.3, 0.4, 0.3) → class 1, right.
        // No member gets both right (a: 1 of 2, b: 1 of 2, c: 0 of 2); the ensemble does.
        Assert.Equal([0, 1], ensemble.Predictions);
        Assert.Equal(1.0, ensemble.Accuracy);
        Assert.Equal(-(Math.Log(1.2 / 3) + Math.Log(1.2 / 3)) / 2, ensemble.MeanLoss, 1e-6);
        Assert.Equal(2, ensemble.ToConfusionMatrix().Counts[0][0] + ensemble.ToConfusionMatrix().Counts[1][1]);
    }

    [Fact]
    public void EnsembleOfOneIsTheModel()
    {
        int[] truth = [2, 0, 1];
        var model = Evaluation(truth, [0.1f, 0.2f, 0.7f], [0.3f, 0.6f, 0.1f], [0.25f, 0.5f, 0.25f]);

        var ensemble = Ensemble.Combine([model]);

        Assert.Equal(model.Probabilities, ensemble.Probabilities);
        Assert.Equal(model.Predictions, ensemble.Predictions);
        Assert.Equal(model.Accuracy, ensemble.Accuracy);
        Assert.Equal(model.MeanLoss, ensemble.MeanLoss, 1e-6);
        Assert.Equal(model.ToConfusionMatrix().Counts, ensemble.ToConfusionMatrix().Counts);
        Assert.Equal(
            ClassificationReport.From(model.ToConfusionMatrix(), FashionMnist.ClassNames).ToText(),
            ClassificationReport.From(ensemble.ToConfusionMatrix(), FashionMnist.ClassNames).ToText());
    }

    [Fact]
    public void EnsembleRefusesMembersEvaluatedOnDifferentSets()
    {
        var a = Evaluation([0, 1], [1f], [0f, 1f]);
        var b = Evaluation([1, 1], [0.5f, 0.5f], [0f, 1f]);
        Assert.Contains("same set", Assert.Throws<ArgumentException>(() => Ensemble.Combine([a, b])).Message);
        Assert.Throws<ArgumentException>(() => Ensemble.Combine([]));
    }

    [Fact]
    public void EnsembleModelEvaluatesLikeTheCombinedEvaluations()
    {
        TorchRuntime.Initialize();
        manual_seed(3);
        using var images = randn(64, 1, 28, 28);
        using var labels = randint(0, Classes, [64]);
        var members = new List<nn.Module<Tensor, Tensor>> { new SeedCnn(), new BnCnn(), new ResNetSmall() };
        var separate = members.Select(m => Evaluator.Evaluate(m, images, labels, CPU)).ToList();

        using var ensemble = new EnsembleModel(members);
        var together = Evaluator.Evaluate(ensemble, images, labels, CPU);
        var combined = Ensemble.Combine(separate);

        // Softmax of the log of the mean is the mean again, up to float rounding.
        for (var k = 0; k < combined.Probabilities.Length; k++) Assert.Equal(combined.Probabilities[k], together.Probabilities[k], 1e-6f);
        Assert.Equal(combined.MeanLoss, together.MeanLoss, 1e-4);
        Assert.Equal(3, ensemble.Count);
    }

    private static readonly EvaluationResult Mixed = Evaluation(
        truth: [3, 3, 4, 3, 4, 3],
        [0f, 0f, 0f, 0.2f, 0.8f],       // 0: 3 → 4 at 0.8
        [0f, 0f, 0f, 0.9f, 0.1f],       // 1: right
        [0f, 0f, 0f, 0.6f, 0.4f],       // 2: 4 → 3 at 0.6
        [0f, 0f, 0f, 0.05f, 0.95f],     // 3: 3 → 4 at 0.95
        [0f, 0f, 0f, 0.3f, 0.7f],       // 4: right
        [0.1f, 0f, 0f, 0.1f, 0.8f]);    // 5: 3 → 4 at 0.8 (ties with 0; lower index first)

    [Fact]
    public void GalleryCellListsExactlyThatPairMostConfidentFirst()
    {
        var cell = ErrorGallery.Cell(Mixed, truth: 3, predicted: 4);
        Assert.Equal([3, 0, 5], cell.Select(i => i.Index));
        Assert.Equal([0.95f, 0.8f, 0.8f], cell.Select(i => i.Confidence));
        Assert.All(cell, i => Assert.Equal((3, 4), (i.Truth, i.Predicted)));

        Assert.Equal([2], ErrorGallery.Cell(Mixed, 4, 3).Select(i => i.Index));
        Assert.Equal([1], ErrorGallery.Cell(Mixed, 3, 3).Select(i => i.Index));
        Assert.Empty(ErrorGallery.Cell(Mixed, 0, 9));
        Assert.Equal(Mixed.ToConfusionMatrix().Counts[3][4], cell.Count);
    }

    [Fact]
    public void GalleryMistakesAreEveryWrongPrediction()
    {
        Assert.Equal([3, 0, 5, 2], ErrorGallery.Mistakes(Mixed).Select(i => i.Index));
        Assert.Throws<ArgumentOutOfRangeException>(() => ErrorGallery.Cell(Mixed, 10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ErrorGallery.Cell(Mixed, 0, -1));
    }
}
