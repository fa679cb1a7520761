using Dashboard.Training.Data;

namespace Dashboard.Tests.Support;

/// <summary>The real Fashion-MNIST, loaded once for the whole test run (from Debian's dataset-fashion-mnist).</summary>
public static class RealData
{
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly Lazy<FashionMnistData> Data = new(() =>
    {
        var directory = Environment.GetEnvironmentVariable(DatasetOptions.DirectoryVariable) is { Length: > 0 } d ? d : SystemDirectory;
        if (!DatasetProvider.HoldsAllFiles(directory))
            throw new InvalidOperationException(
                $"These tests train on the real Fashion-MNIST, which is not in {directory}. " +
                "Install it with: apt-get install dataset-fashion-mnist (or set FASHION_MNIST_DIR to a folder holding the four idx files).");
        return FashionMnistData.Load(directory, verifyChecksums: true);
    });

    public static FashionMnistData Get() => Data.Value;
}
