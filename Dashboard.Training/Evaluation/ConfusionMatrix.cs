namespace Dashboard.Training.Evaluation;

/// <summary>Counts of (true class, predicted class) pairs: <c>Counts[true][predicted]</c>.</summary>
public sealed record ConfusionMatrix(int[][] Counts)
{
    /// <summary>Number of classes.</summary>
    public int ClassCount => Counts.Length;

    /// <summary>Builds the matrix from parallel arrays of true and predicted labels.</summary>
    /// <exception cref="ArgumentException">Arrays of different lengths or a label outside 0..classCount−1.</exception>
    public static ConfusionMatrix From(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted, int classCount)
    {
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"{truth.Length} true labels but {predicted.Length} predictions.");
        var counts = new int[classCount][];
        for (var i = 0; i < classCount; i++) counts[i] = new int[classCount];
        for (var i = 0; i < truth.Length; i++)
        {
            if ((uint)truth[i] >= classCount || (uint)predicted[i] >= classCount)
                throw new ArgumentException($"Label pair ({truth[i]}, {predicted[i]}) at {i} is outside 0..{classCount - 1}.");
            counts[truth[i]][predicted[i]]++;
        }
        return new ConfusionMatrix(counts);
    }

    /// <summary>Parses rows separated by '|' or new lines, counts separated by spaces (the format of the report's appendix).</summary>
    public static ConfusionMatrix Parse(string text)
    {
        var rows = text.Split(['|', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())
            .ToArray();
        if (rows.Any(r => r.Length != rows.Length))
            throw new FormatException($"A confusion matrix must be square; got {rows.Length} rows of lengths {string.Join(", ", rows.Select(r => r.Length))}.");
        return new ConfusionMatrix(rows);
    }

    /// <summary>Total count.</summary>
    public int Total => Counts.Sum(r => r.Sum());

    /// <summary>B − A, cell by cell: positive where B has more of that (true, predicted) pair.</summary>
    public static int[][] Difference(ConfusionMatrix a, ConfusionMatrix b)
    {
        if (a.ClassCount != b.ClassCount)
            throw new ArgumentException($"Matrices have {a.ClassCount} and {b.ClassCount} classes.");
        return a.Counts.Select((row, i) => row.Select((count, j) => b.Counts[i][j] - count).ToArray()).ToArray();
    }
}
