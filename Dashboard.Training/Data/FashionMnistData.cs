using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Data;

/// <summary>
/// Fashion-MNIST in memory: normalised image tensors [N, 1, 28, 28] and int64 label tensors, shared
/// read-only by every run, plus the raw test bytes for galleries and sample images.
/// </summary>
public sealed class FashionMnistData : IDisposable
{
    private FashionMnistData(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels, byte[] testPixels, byte[] testLabelBytes)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
        TestPixels = testPixels;
        TestLabelBytes = testLabelBytes;
    }

    /// <summary>Training images, float32 [60000, 1, 28, 28], normalised.</summary>
    public Tensor TrainImages { get; }
    /// <summary>Training labels, int64 [60000].</summary>
    public Tensor TrainLabels { get; }
    /// <summary>Test images, float32 [10000, 1, 28, 28], normalised.</summary>
    public Tensor TestImages { get; }
    /// <summary>Test labels, int64 [10000].</summary>
    public Tensor TestLabels { get; }
    /// <summary>Raw test pixels (0–255, row-major, 784 per image).</summary>
    public byte[] TestPixels { get; }
    /// <summary>Raw test labels.</summary>
    public byte[] TestLabelBytes { get; }

    /// <summary>Number of training images.</summary>
    public int TrainCount => (int)TrainLabels.shape[0];
    /// <summary>Number of test images.</summary>
    public int TestCount => (int)TestLabels.shape[0];

    /// <summary>The file for <paramref name="name"/> in <paramref name="directory"/>, raw or .gz, or null.</summary>
    public static string? FindFile(string directory, string name)
    {
        var raw = Path.Combine(directory, name);
        if (File.Exists(raw)) return raw;
        var gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    /// <summary>Loads and validates the four files from <paramref name="directory"/>. Nothing partial is ever returned.</summary>
    /// <exception cref="DatasetException">A file is missing, corrupt, or disagrees with its partner.</exception>
    public static FashionMnistData Load(string directory, bool verifyChecksums)
    {
        var bytes = FashionMnist.Files.ToDictionary(f => f.Name, f =>
        {
            var path = FindFile(directory, f.Name) ?? throw new DatasetException($"{Path.Combine(directory, f.Name)}: file is missing (neither raw nor .gz).");
            var content = IdxReader.ReadAllBytes(path);
            if (verifyChecksums)
            {
                var actual = Convert.ToHexStringLower(SHA256.HashData(content));
                if (actual != f.Sha256)
                    throw new DatasetException($"{path}: checksum mismatch (SHA-256 of the decompressed bytes is {actual}, expected {f.Sha256}). The file is corrupt or not Fashion-MNIST.");
            }
            return (path, content);
        });

        var (trainImages, trainLabels) = Pair(bytes["train-images-idx3-ubyte"], bytes["train-labels-idx1-ubyte"]);
        var (testImages, testLabels) = Pair(bytes["t10k-images-idx3-ubyte"], bytes["t10k-labels-idx1-ubyte"]);
        return new FashionMnistData(
            ToImageTensor(trainImages), ToLabelTensor(trainLabels),
            ToImageTensor(testImages), ToLabelTensor(testLabels),
            testImages.Pixels.ToArray(), testLabels.ToArray());
    }

    private static (IdxImages Images, ReadOnlyMemory<byte> Labels) Pair((string Path, byte[] Content) images, (string Path, byte[] Content) labels)
    {
        var parsedImages = IdxReader.ParseImages(images.Content, images.Path);
        var parsedLabels = IdxReader.ParseLabels(labels.Content, labels.Path);
        if (parsedImages.Rows != FashionMnist.ImageSize || parsedImages.Columns != FashionMnist.ImageSize)
            throw new DatasetException($"{images.Path}: images are {parsedImages.Rows}×{parsedImages.Columns}, expected {FashionMnist.ImageSize}×{FashionMnist.ImageSize}.");
        if (parsedImages.Count != parsedLabels.Length)
            throw new DatasetException($"{images.Path} holds {parsedImages.Count} images but {labels.Path} holds {parsedLabels.Length} labels.");
        return (parsedImages, parsedLabels);
    }

    /// <summary>Normalises raw pixels exactly as training does: (x / 255 − mean) / std, shaped [N, 1, 28, 28].</summary>
    public static Tensor ToImageTensor(IdxImages images) => Normalize(images.Pixels.ToArray(), images.Count);

    /// <summary>Normalises raw pixels (0–255, 784 per image) into a float tensor [count, 1, 28, 28].</summary>
    public static Tensor Normalize(byte[] pixels, int count)
    {
        using var scope = NewDisposeScope();
        var t = tensor(pixels, new long[] { count, 1, FashionMnist.ImageSize, FashionMnist.ImageSize })
            .to_type(ScalarType.Float32)
            .div_(255f).sub_(FashionMnist.PixelMean).div_(FashionMnist.PixelStd);
        return t.MoveToOuterDisposeScope();
    }

    private static Tensor ToLabelTensor(ReadOnlyMemory<byte> labels)
    {
        using var scope = NewDisposeScope();
        return tensor(labels.ToArray()).to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
    }
}
