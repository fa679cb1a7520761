using Dashboard.Training.Data;

namespace Dashboard.Training.Evaluation;

/// <summary>One test image as the model saw it.</summary>
/// <param name="Index">Index in the test set (0-based), to fetch its pixels.</param>
/// <param name="Truth">True class.</param>
/// <param name="Predicted">Predicted class.</param>
/// <param name="Confidence">The model's softmax probability of the predicted class (0–1).</param>
public sealed record GalleryItem(int Index, int Truth, int Predicted, float Confidence);

/// <summary>Picks test images by their (true, predicted) pair: what a confusion-matrix cell is made of.</summary>
public static class ErrorGallery
{
    /// <summary>
    /// The images of one confusion-matrix cell, most confident first (ties by index), so a mistake made
    /// with conviction comes before a coin toss. The diagonal (<paramref name="truth"/> = <paramref name="predicted"/>) gives correct ones.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A class outside 0–9.</exception>
    public static IReadOnlyList<GalleryItem> Cell(EvaluationResult evaluation, int truth, int predicted)
    {
        if ((uint)truth >= FashionMnist.ClassCount) throw new ArgumentOutOfRangeException(nameof(truth), truth, "A class is between 0 and 9.");
        if ((uint)predicted >= FashionMnist.ClassCount) throw new ArgumentOutOfRangeException(nameof(predicted), predicted, "A class is between 0 and 9.");
        return Select(evaluation, i => evaluation.Truth[i] == truth && evaluation.Predictions[i] == predicted);
    }

    /// <summary>Every misclassified image, most confident first (ties by index).</summary>
    public static IReadOnlyList<GalleryItem> Mistakes(EvaluationResult evaluation) =>
        Select(evaluation, i => evaluation.Truth[i] != evaluation.Predictions[i]);

    private static List<GalleryItem> Select(EvaluationResult evaluation, Func<int, bool> include)
    {
        var items = new List<GalleryItem>();
        for (var i = 0; i < evaluation.Truth.Length; i++)
        {
            if (!include(i)) continue;
            var predicted = evaluation.Predictions[i];
            items.Add(new GalleryItem(i, evaluation.Truth[i], predicted, evaluation.Probabilities[i * FashionMnist.ClassCount + predicted]));
        }
        items.Sort((a, b) => b.Confidence != a.Confidence ? b.Confidence.CompareTo(a.Confidence) : a.Index.CompareTo(b.Index));
        return items;
    }
}
