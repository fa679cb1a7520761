using Dashboard.Tests.Support;
using Dashboard.Training.Inference;

namespace Dashboard.Tests.Sketch;

public class SketchPreprocessorTests
{
    private const int Side = 112;

    /// <summary>White paper with black ink on the rectangle [x, x + w) × [y, y + h).</summary>
    private static byte[] Paper(params (int X, int Y, int W, int H, byte Gray)[] rectangles)
    {
        var raster = Enumerable.Repeat((byte)255, Side * Side).ToArray();
        foreach (var (x0, y0, w, h, gray) in rectangles)
            for (var y = y0; y < y0 + h; y++)
                for (var x = x0; x < x0 + w; x++)
                    raster[y * Side + x] = gray;
        return raster;
    }

    private static (int MinX, int MinY, int MaxX, int MaxY) Bounds(byte[] pixels, int threshold = 0)
    {
        int minX = 28, minY = 28, maxX = -1, maxY = -1;
        for (var i = 0; i < pixels.Length; i++)
        {
            if (pixels[i] <= threshold) continue;
            minX = Math.Min(minX, i % 28);
            maxX = Math.Max(maxX, i % 28);
            minY = Math.Min(minY, i / 28);
            maxY = Math.Max(maxY, i / 28);
        }
        return (minX, minY, maxX, maxY);
    }

    private static (double X, double Y) CentreOfMass(byte[] pixels)
    {
        double sum = 0, x = 0, y = 0;
        for (var i = 0; i < pixels.Length; i++)
        {
            sum += pixels[i];
            x += pixels[i] * (i % 28);
            y += pixels[i] * (i / 28);
        }
        return (x / sum, y / sum);
    }

    [Fact]
    public void BlankCanvasIsNothingDrawn()
    {
        var image = SketchPreprocessor.Preprocess(Paper(), Side, Side);

        Assert.True(image.IsEmpty);
        Assert.Null(image.Ink);
        Assert.Throws<InvalidOperationException>(() => image.Pixels);
    }

    [Fact]
    public void FaintMarksBelowTheInkThresholdAreStillNothingDrawn()
    {
        // Very light grey smudges (ink 5 and 8 of 255), like paper grain or a JPEG's noise on white.
        var image = SketchPreprocessor.Preprocess(Paper((3, 3, 50, 50, 250), (80, 90, 10, 10, 247)), Side, Side);

        Assert.True(image.IsEmpty);
    }

    [Fact]
    public void DarkInkOnWhiteBecomesLightOnBlack()
    {
        // A solid 60 × 60 block of black ink and a mid-grey block inside it.
        var image = SketchPreprocessor.Preprocess(Paper((20, 20, 60, 60, 0), (40, 40, 20, 20, 127)), Side, Side);

        var pixels = image.Pixels;
        // The block fills the frame: black ink became 255, mid-grey (127) became 128.
        Assert.Equal(255, pixels[2 * 28 + 2]);
        Assert.Equal(128, pixels[14 * 28 + 14]);
        Assert.DoesNotContain(pixels, p => p < 128);
    }

    [Fact]
    public void OffCentreSmallSquareIsCentredAndScaledToTheFrame()
    {
        // An outline square of side 16 with 2-pixel strokes, tucked into the top-left corner.
        var image = SketchPreprocessor.Preprocess(Paper((4, 6, 16, 2, 0), (4, 20, 16, 2, 0), (4, 6, 2, 16, 0), (18, 6, 2, 16, 0)), Side, Side);

        var pixels = image.Pixels;
        Assert.Equal(new InkBox(4, 6, 16, 16), image.Ink);
        // Scaled by 28/16: the outline spans the whole frame with 3.5-pixel strokes, hollow in the middle.
        Assert.Equal((0, 0, 27, 27), Bounds(pixels));
        Assert.Equal(255, pixels[0]);
        Assert.Equal(255, pixels[27 * 28 + 27]);
        Assert.Equal(255, pixels[2 * 28 + 14]);
        Assert.Equal(0, pixels[14 * 28 + 14]);
        Assert.Equal(0, pixels[4 * 28 + 14]);
        var (cx, cy) = CentreOfMass(pixels);
        Assert.Equal(13.5, cx, 1e-2);
        Assert.Equal(13.5, cy, 1e-2);
    }

    [Fact]
    public void TallShapeKeepsItsAspectRatioAndIsCentredSideways()
    {
        // 10 wide and 40 tall, far right: the height fills 28 rows, the width becomes 7 columns.
        var image = SketchPreprocessor.Preprocess(Paper((95, 50, 10, 40, 0)), Side, Side);

        var pixels = image.Pixels;
        // Centred would be columns 10.5 to 17.5; like Fashion-MNIST it lands on whole pixels, 11 to 17, not blurred.
        Assert.Equal((11, 0, 17, 27), Bounds(pixels));
        Assert.All(Enumerable.Range(0, 784).Where(i => i % 28 is >= 11 and <= 17), i => Assert.Equal(255, pixels[i]));
        Assert.Equal(14, CentreOfMass(pixels).X, 1e-6);
    }

    [Fact]
    public void ASinglePixelDotFillsTheFrame()
    {
        // Scaling up is area sampling too: one dot of ink becomes a full-frame block, not a smear.
        var image = SketchPreprocessor.Preprocess(Paper((70, 30, 1, 1, 0)), Side, Side);

        Assert.All(image.Pixels, p => Assert.Equal(255, p));
    }

    [Fact]
    public void RasterOfAnyShapeIsAccepted()
    {
        var raster = Enumerable.Repeat((byte)255, 300 * 200).ToArray();
        for (var y = 50; y < 150; y++) raster[y * 300 + 150] = 0;

        var image = SketchPreprocessor.Preprocess(raster, 300, 200);

        // A one-pixel line 100 pixels tall becomes a 28-row line 0.28 pixel wide, in column 14: 28 % of 255.
        Assert.Equal((14, 0, 14, 27), Bounds(image.Pixels));
        Assert.Equal(71, image.Pixels[5 * 28 + 14]);
    }

    [Fact]
    public void RefusesRastersOfTheWrongSize()
    {
        Assert.Throws<ArgumentException>(() => SketchPreprocessor.Preprocess(new byte[100], 11, 10));
        Assert.Throws<ArgumentException>(() => SketchPreprocessor.Preprocess(new byte[0], 0, 0));
        Assert.Throws<ArgumentException>(() => SketchPreprocessor.Preprocess(new byte[2000 * 1], 2000, 1));
    }

    [Fact]
    public void RealTestImagesDrawnOnTheCanvasComeBackAlmostUnchanged()
    {
        // What "Try a test image" does: draw the image inverted, 4× nearest-neighbour, into the raster the browser sends.
        var data = RealData.Get();
        var meanErrors = new List<double>();
        const int images = 500;
        for (var n = 0; n < images; n++)
        {
            var original = data.TestPixels.AsSpan(n * 784, 784).ToArray();
            var raster = new byte[Side * Side];
            for (var y = 0; y < Side; y++)
                for (var x = 0; x < Side; x++)
                    raster[y * Side + x] = (byte)(255 - original[y / 4 * 28 + x / 4]);

            var back = SketchPreprocessor.Preprocess(raster, Side, Side).Pixels;

            meanErrors.Add(original.Zip(back, (a, b) => Math.Abs(a - b)).Average());
        }
        // Measured on all 10,000: 91 % exact, mean error 1.7 of 255. The rest have faint edge pixels
        // (ink ≤ 8) that do not count toward the box, so they come back slightly enlarged.
        var summary = $"exact {meanErrors.Count(e => e == 0)}, mean {meanErrors.Average():F2}, worst {meanErrors.Max():F2}";
        Assert.True(meanErrors.Count(e => e == 0) >= images * 85 / 100, summary);
        Assert.True(meanErrors.Average() < 3, summary);
        Assert.True(meanErrors.Max() < 40, summary);
    }
}
