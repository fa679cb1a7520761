using Dashboard.Training.Data;

namespace Dashboard.Training.Evaluation;

/// <summary>Model fusion by averaging: an ensemble's prediction is the mean of its members' softmax outputs.</summary>
public static class Ensemble
{
    /// <summary>
    /// Probabilities below this count as this in the ensemble's cross-entropy, so that a class every member
    /// rules out (a softmax that underflowed to 0 in float) gives a large but finite loss.
    /// </summary>
    public const double ProbabilityFloor = 1e-12;

    /// <summary>
    /// The evaluation of the mean-softmax ensemble of <paramref name="members"/>, which must be evaluations of
    /// the same labelled set (e.g. the test set): probabilities are the element-wise mean, predictions their
    /// argmax (the lowest class on a tie, like <c>argmax</c>), the loss the mean cross-entropy of the mean
    /// probabilities. An ensemble of one is that model.
    /// </summary>
    /// <exception cref="ArgumentException">No members, or members evaluated on different labels or sizes.</exception>
    public static EvaluationResult Combine(IReadOnlyList<EvaluationResult> members)
    {
        if (members.Count == 0) throw new ArgumentException("An ensemble needs at least one member.", nameof(members));
        var first = members[0];
        var n = first.Truth.Length;
        var classes = FashionMnist.ClassCount;
        for (var m = 0; m < members.Count; m++)
        {
            if (members[m].Probabilities.Length != n * classes || members[m].Truth.Length != n)
                throw new ArgumentException($"Member {m + 1} was evaluated on {members[m].Truth.Length} images with {members[m].Probabilities.Length} probabilities; member 1 on {n} images.", nameof(members));
            if (!members[m].Truth.AsSpan().SequenceEqual(first.Truth))
                throw new ArgumentException($"Member {m + 1} was evaluated on other labels than member 1; all members must be evaluated on the same set.", nameof(members));
        }

        var probabilities = new float[n * classes];
        var predictions = new int[n];
        var sums = new double[classes];
        double lossSum = 0;
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            Array.Clear(sums);
            foreach (var member in members)
            {
                var row = member.Probabilities.AsSpan(i * classes, classes);
                for (var k = 0; k < classes; k++) sums[k] += row[k];
            }
            var best = 0;
            for (var k = 0; k < classes; k++)
            {
                var mean = sums[k] / members.Count;
                probabilities[i * classes + k] = (float)mean;
                if (mean > sums[best] / members.Count) best = k;
            }
            predictions[i] = best;
            if (best == first.Truth[i]) correct++;
            lossSum -= Math.Log(Math.Max(sums[first.Truth[i]] / members.Count, ProbabilityFloor));
        }
        return new EvaluationResult(n == 0 ? 0 : lossSum / n, n == 0 ? 0 : (double)correct / n, first.Truth.ToArray(), predictions, probabilities);
    }
}
