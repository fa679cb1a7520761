using Dashboard.Training.Evaluation;

namespace Dashboard.Web.Comparison;

/// <summary>One cell of B − A: the images of class True predicted as Predicted, counted in run A and in run B.</summary>
public sealed record CellChange(int True, int Predicted, string TrueName, string PredictedName, int A, int B)
{
    public int Delta => B - A;

    public bool IsDiagonal => True == Predicted;

    /// <summary>B does better in this cell: more right on the diagonal, fewer mistakes off it.</summary>
    public bool IsImprovement => IsDiagonal ? Delta > 0 : Delta < 0;

    public string Describe() => IsDiagonal
        ? $"{TrueName} correct: {A} → {B} ({Signed(Delta)})"
        : $"{TrueName} taken for {PredictedName}: {A} → {B} ({Signed(Delta)})";

    public static string Signed(int value) => value > 0 ? "+" + value : value < 0 ? "−" + -value : "0";
}

/// <summary>
/// B − A of two confusion matrices on the same test set, and the cells worth a sentence: the largest
/// changes, and the confusions the report singled out (Shirt/T-shirt, Pullover/Coat).
/// </summary>
public sealed class ConfusionDifference
{
    /// <summary>Report's interesting pairs, by class name, both directions.</summary>
    public static IReadOnlyList<(string True, string Predicted)> FocusPairs { get; } =
    [
        ("Shirt", "T-shirt/top"), ("T-shirt/top", "Shirt"), ("Pullover", "Coat"), ("Coat", "Pullover"),
    ];

    public ConfusionDifference(ConfusionMatrix a, ConfusionMatrix b, IReadOnlyList<string> names)
    {
        if (names.Count != a.ClassCount)
            throw new ArgumentException($"{names.Count} class names for {a.ClassCount} classes.");
        Delta = ConfusionMatrix.Difference(a, b);
        Names = names;
        Cells = Enumerable.Range(0, a.ClassCount)
            .SelectMany(i => Enumerable.Range(0, a.ClassCount).Select(j => new CellChange(i, j, names[i], names[j], a.Counts[i][j], b.Counts[i][j])))
            .ToList();
        MaxAbs = Cells.Select(c => Math.Abs(c.Delta)).DefaultIfEmpty(0).Max();
        CorrectA = Cells.Where(c => c.IsDiagonal).Sum(c => c.A);
        CorrectB = Cells.Where(c => c.IsDiagonal).Sum(c => c.B);
    }

    public int[][] Delta { get; }
    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<CellChange> Cells { get; }
    public int MaxAbs { get; }
    public int CorrectA { get; }
    public int CorrectB { get; }

    public CellChange Cell(int trueClass, int predicted) => Cells[trueClass * Names.Count + predicted];

    /// <summary>The off-diagonal cells that changed most, largest first (ties: row then column order).</summary>
    public IReadOnlyList<CellChange> LargestChanges(int count = 5) =>
        Cells.Where(c => !c.IsDiagonal && c.Delta != 0)
            .OrderByDescending(c => Math.Abs(c.Delta)).ThenBy(c => c.True).ThenBy(c => c.Predicted)
            .Take(count).ToList();

    /// <summary>The report's pairs, when these class names have them.</summary>
    public IReadOnlyList<CellChange> Focus =>
        FocusPairs.Select(p => (T: IndexOf(p.True), P: IndexOf(p.Predicted)))
            .Where(p => p.T >= 0 && p.P >= 0)
            .Select(p => Cell(p.T, p.P)).ToList();

    private int IndexOf(string name) => Names.ToList().IndexOf(name);
}
