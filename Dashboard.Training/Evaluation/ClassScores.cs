using Dashboard.Training.Data;

namespace Dashboard.Training.Evaluation;

/// <summary>
/// Per-class precision, recall and F1 of one evaluation, as three arrays indexed like
/// <see cref="FashionMnist.ClassNames"/>: stored with every epoch, so arrays rather than named records keep the
/// document small (about 390 bytes of BSON for ten classes).
/// </summary>
/// <param name="Precision">Precision of each class (0–1; 0 where the class was never predicted).</param>
/// <param name="Recall">Recall of each class (0–1; 0 where the class has no images).</param>
/// <param name="F1">F1 of each class (0–1).</param>
public sealed record ClassScores(double[] Precision, double[] Recall, double[] F1)
{
    /// <summary>The scores of a classification report's classes, in its order.</summary>
    public static ClassScores From(ClassificationReport report) => new(
        report.Classes.Select(c => c.Precision).ToArray(),
        report.Classes.Select(c => c.Recall).ToArray(),
        report.Classes.Select(c => c.F1).ToArray());

    /// <summary>The scores of an evaluation over the Fashion-MNIST classes (its confusion matrix, no further pass over the images).</summary>
    public static ClassScores From(EvaluationResult evaluation) =>
        From(ClassificationReport.From(evaluation.ToConfusionMatrix(), FashionMnist.ClassNames));

    /// <summary>Equal values, class by class (a record compares arrays by reference): an epoch read back equals the one stored.</summary>
    public bool Equals(ClassScores? other) =>
        other is not null && Precision.AsSpan().SequenceEqual(other.Precision) && Recall.AsSpan().SequenceEqual(other.Recall) && F1.AsSpan().SequenceEqual(other.F1);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(F1.Length, F1.FirstOrDefault(), F1.LastOrDefault());

    /// <summary>What is wrong with scores received from elsewhere (a worker), or null: three arrays of <paramref name="classCount"/> values in 0–1.</summary>
    public string? Problem(int classCount)
    {
        if (Precision is null || Recall is null || F1 is null) return "precision, recall and f1 are all required.";
        if (Precision.Length != classCount || Recall.Length != classCount || F1.Length != classCount)
            return $"precision, recall and f1 must have {classCount} values each.";
        return Precision.Concat(Recall).Concat(F1).All(v => v is >= 0 and <= 1) ? null : "precision, recall and f1 must lie between 0 and 1.";
    }
}
