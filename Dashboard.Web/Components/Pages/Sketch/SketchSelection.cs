using Dashboard.Training.Data;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Components.Pages.Sketch;

/// <summary>The Sketch page's choices that need no HTML: which runs to use, which test image to show.</summary>
public static class SketchSelection
{
    /// <summary>
    /// The runs still selectable from <paramref name="previous"/>; if none is, the most accurate run
    /// (an empty list when there are no runs).
    /// </summary>
    public static IReadOnlyList<Guid> KeepOrDefault(IReadOnlyList<Run> runs, IEnumerable<Guid> previous)
    {
        var available = runs.Select(r => r.Id).ToHashSet();
        var kept = previous.Where(available.Contains).ToList();
        if (kept.Count > 0) return kept;
        return runs.OrderByDescending(r => r.Accuracy ?? double.MinValue).Take(1).Select(r => r.Id).ToList();
    }

    /// <summary>A random test-set image of class <paramref name="label"/>: its index and its 784 bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No test image has that label.</exception>
    public static (int Index, byte[] Pixels) RandomTestImage(FashionMnistData data, int label, Random random)
    {
        var indices = new List<int>();
        for (var i = 0; i < data.TestLabelBytes.Length; i++)
            if (data.TestLabelBytes[i] == label) indices.Add(i);
        if (indices.Count == 0) throw new ArgumentOutOfRangeException(nameof(label), $"No test image has the label {label}.");
        var index = indices[random.Next(indices.Count)];
        const int size = FashionMnist.ImageSize * FashionMnist.ImageSize;
        return (index, data.TestPixels.AsSpan(index * size, size).ToArray());
    }
}
