using Dashboard.Tests.Support;
using Dashboard.Training.Data;

namespace Dashboard.Tests.Training;

public class IdxReaderTests
{
    [Fact]
    public void ParsesImagesAndLabels()
    {
        var images = IdxReader.ParseImages(IdxBuilder.Images(3), "img");
        var labels = IdxReader.ParseLabels(IdxBuilder.Labels(3), "lbl");

        Assert.Equal((3, 28, 28), (images.Count, images.Rows, images.Columns));
        Assert.Equal(3 * 784, images.Pixels.Length);
        Assert.Equal(new byte[] { 0, 1, 2 }, labels.ToArray());
    }

    [Fact]
    public void ReadsGzipAndRawAlike()
    {
        using var dir = new TempDirectory();
        var raw = IdxBuilder.Images(2);
        File.WriteAllBytes(dir.File("a"), raw);
        File.WriteAllBytes(dir.File("b.gz"), IdxBuilder.Gzip(raw));

        Assert.Equal(IdxReader.ReadAllBytes(dir.File("a")), IdxReader.ReadAllBytes(dir.File("b.gz")));
    }

    [Fact]
    public void RejectsTruncatedImagesNamingTheFile()
    {
        var bytes = IdxBuilder.Images(3)[..^10];
        var e = Assert.Throws<DatasetException>(() => IdxReader.ParseImages(bytes, "train-images-idx3-ubyte"));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RejectsTruncatedHeader()
    {
        var e = Assert.Throws<DatasetException>(() => IdxReader.ParseLabels([0, 0, 8], "labels"));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RejectsWrongMagic()
    {
        var e = Assert.Throws<DatasetException>(() => IdxReader.ParseImages(IdxBuilder.Labels(30), "x"));
        Assert.Contains("wrong magic number 2049", e.Message);
        var e2 = Assert.Throws<DatasetException>(() => IdxReader.ParseLabels(IdxBuilder.Images(1), "y"));
        Assert.Contains("wrong magic number 2051", e2.Message);
    }

    [Fact]
    public void RejectsDeclaredCountThatDisagreesWithLength()
    {
        Assert.Contains("truncated", Assert.Throws<DatasetException>(() => IdxReader.ParseLabels(IdxBuilder.Labels(5, declaredCount: 6), "l")).Message);
        Assert.Contains("unexpected bytes", Assert.Throws<DatasetException>(() => IdxReader.ParseLabels(IdxBuilder.Labels(5, declaredCount: 4), "l")).Message);
    }

    [Fact]
    public void RejectsLabelOutsideTheClasses()
    {
        var e = Assert.Throws<DatasetException>(() => IdxReader.ParseLabels(IdxBuilder.Labels(4, label: i => (byte)(i == 2 ? 10 : 1)), "l"));
        Assert.Contains("label 10 at index 2", e.Message);
    }

    [Fact]
    public void RejectsCorruptGzip()
    {
        using var dir = new TempDirectory();
        var gz = IdxBuilder.Gzip(IdxBuilder.Images(50));
        for (var i = 10; i < 40; i++) gz[i] ^= 0xA5;
        File.WriteAllBytes(dir.File("x.gz"), gz);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadAllBytes(dir.File("x.gz")));
        Assert.Contains("x.gz: not a valid gzip file", e.Message);
    }

    [Fact]
    public void TruncatedGzipIsCaughtAsATruncatedFile()
    {
        using var dir = new TempDirectory();
        var gz = IdxBuilder.Gzip(IdxBuilder.Images(50, pixel: i => (byte)(i * 7919 % 251)));
        File.WriteAllBytes(dir.File("x.gz"), gz[..(gz.Length / 2)]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ParseImages(IdxReader.ReadAllBytes(dir.File("x.gz")), "x.gz"));
        Assert.Contains("x.gz: truncated", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadAllBytes("/nonexistent/t10k-labels-idx1-ubyte"));
        Assert.Contains("/nonexistent/t10k-labels-idx1-ubyte: file is missing", e.Message);
    }

    [Fact]
    public void ImagesAndLabelsOfDifferentCountsAreRefusedAsADataSet()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("train-images-idx3-ubyte"), IdxBuilder.Images(4));
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), IdxBuilder.Labels(5));
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), IdxBuilder.Images(2));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), IdxBuilder.Labels(2));

        var e = Assert.Throws<DatasetException>(() => FashionMnistData.Load(dir.Path, verifyChecksums: false));
        Assert.Contains("holds 4 images but", e.Message);
        Assert.Contains("5 labels", e.Message);
    }

    [Fact]
    public void SyntheticFilesFailTheChecksum()
    {
        using var dir = new TempDirectory();
        foreach (var f in FashionMnist.Files)
            File.WriteAllBytes(dir.File(f.Name), f.Kind == IdxKind.Images ? IdxBuilder.Images(2) : IdxBuilder.Labels(2));

        var e = Assert.Throws<DatasetException>(() => FashionMnistData.Load(dir.Path, verifyChecksums: true));
        Assert.Contains("checksum mismatch", e.Message);
    }
}
