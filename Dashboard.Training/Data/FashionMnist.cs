namespace Dashboard.Training.Data;

/// <summary>Facts about the Fashion-MNIST data set: file names, checksums, classes and normalisation.</summary>
public static class FashionMnist
{
    /// <summary>Class names in dataset order (label 0 to 9).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Image side in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>Mean of the training pixels scaled to [0, 1]; every input (training, test, sketch) uses it.</summary>
    public const float PixelMean = 0.2860f;

    /// <summary>Standard deviation of the training pixels scaled to [0, 1].</summary>
    public const float PixelStd = 0.3530f;

    /// <summary>The four files with the SHA-256 of their decompressed bytes.</summary>
    public static IReadOnlyList<IdxFileSpec> Files { get; } =
    [
        new("train-images-idx3-ubyte", IdxKind.Images, 60_000, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        new("train-labels-idx1-ubyte", IdxKind.Labels, 60_000, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        new("t10k-images-idx3-ubyte", IdxKind.Images, 10_000, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        new("t10k-labels-idx1-ubyte", IdxKind.Labels, 10_000, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ];
}

/// <summary>Whether an idx file holds images (magic 2051) or labels (magic 2049).</summary>
public enum IdxKind
{
    /// <summary>idx3-ubyte: count × rows × columns bytes.</summary>
    Images,
    /// <summary>idx1-ubyte: count bytes.</summary>
    Labels,
}

/// <summary>One expected idx file.</summary>
/// <param name="Name">File name without <c>.gz</c>.</param>
/// <param name="Kind">Images or labels.</param>
/// <param name="Count">Number of items the official file holds.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the decompressed file.</param>
public sealed record IdxFileSpec(string Name, IdxKind Kind, int Count, string Sha256);
