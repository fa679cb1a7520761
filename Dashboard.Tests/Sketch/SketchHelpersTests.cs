using System.Buffers.Binary;
using System.IO.Compression;
using Dashboard.Tests.Support;
using Dashboard.Web.Components.Pages.Sketch;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Sketch;

public class SketchHelpersTests
{
    private static Run Completed(double? accuracy) => new() { Id = Guid.NewGuid(), Status = RunStatus.Completed, Accuracy = accuracy };

    [Fact]
    public void TheMostAccurateRunIsChosenWhenNothingIsSelected()
    {
        var runs = new[] { Completed(0.81), Completed(0.90), Completed(null), Completed(0.85) };

        Assert.Equal([runs[1].Id], SketchSelection.KeepOrDefault(runs, []));
        Assert.Empty(SketchSelection.KeepOrDefault([], []));
    }

    [Fact]
    public void ASelectionKeepsTheRunsThatStillExist()
    {
        var runs = new[] { Completed(0.81), Completed(0.90) };
        var gone = Guid.NewGuid();

        Assert.Equal([runs[0].Id], SketchSelection.KeepOrDefault(runs, [gone, runs[0].Id]));
        Assert.Equal([runs[1].Id], SketchSelection.KeepOrDefault(runs, [gone]));
    }

    [Fact]
    public void ARandomTestImageHasTheChosenClass()
    {
        var data = RealData.Get();
        var random = new Random(7);
        for (var label = 0; label < 10; label++)
        {
            var (index, pixels) = SketchSelection.RandomTestImage(data, label, random);

            Assert.Equal(label, data.TestLabelBytes[index]);
            Assert.Equal(data.TestPixels.AsSpan(index * 784, 784).ToArray(), pixels);
        }
    }

    [Fact]
    public void ThePreviewPngHoldsTheExactPixels()
    {
        var pixels = Enumerable.Range(0, 784).Select(i => (byte)(i * 7 % 256)).ToArray();

        var png = GrayscalePng.Encode(pixels, 28, 28);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(28, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(28, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal(8, png[24]);
        Assert.Equal(0, png[25]);
        var idatAt = 8 + 25;
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(png, idatAt + 4, 4));
        var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idatAt));
        using var inflate = new ZLibStream(new MemoryStream(png, idatAt + 8, length), CompressionMode.Decompress);
        var rows = new MemoryStream();
        inflate.CopyTo(rows);
        var raw = rows.ToArray();
        Assert.Equal(28 * 29, raw.Length);
        for (var y = 0; y < 28; y++)
        {
            Assert.Equal(0, raw[y * 29]);
            Assert.Equal(pixels.AsSpan(y * 28, 28).ToArray(), raw.AsSpan(y * 29 + 1, 28).ToArray());
        }
    }
}
