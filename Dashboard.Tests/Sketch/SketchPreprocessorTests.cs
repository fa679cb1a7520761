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
        // Light grey smudges (ink 10 and 16 of 255), like paper grain or a JPEG's noise.
        var image = SketchPreprocessor.Preprocess(Paper((3, 3, 50, 50, 245), (80, 90, 10, 10, 239)), Side, Side);

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
        Assert.Equal(13.5, cx, 6);
        Assert.Equal(13.5, cy, 6);
    }

    [Fact]
    public void TallShapeKeepsItsAspectRatioAndIsCentredSideways()
    {
        // 10 wide and 40 tall, far right: the height fills 28 rows, the width becomes 7 columns, centred.
        var image = SketchPreprocessor.Preprocess(Paper((95, 50, 10, 40, 0)), Side, Side);

        var pixels = image.Pixels;
        Assert.Equal((10, 0, 17, 27), Bounds(pixels));
        // Columns 10.5 to 17.5: half-covered at the edges, solid between.
        Assert.InRange(pixels[5 * 28 + 10], 127, 128);
        Assert.InRange(pixels[5 * 28 + 17], 127, 128);
        for (var x = 11; x <= 16; x++) Assert.Equal(255, pixels[5 * 28 + x]);
        Assert.Equal(13.5, CentreOfMass(pixels).X, 6);
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

        // A one-pixel line 100 pixels tall becomes a 28-row line of width 0.28 pixel, centred: column 13 and 14 share it.
        var (minX, minY, maxX, maxY) = Bounds(image.Pixels);
        Assert.Equal((13, 0, 14, 27), (minX, minY, maxX, maxY));
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
        var exact = 0;
        double worstMeanError = 0;
        const int images = 500;
        for (var n = 0; n < images; n++)
        {
            var original = data.TestPixels.AsSpan(n * 784, 784).ToArray();
            var raster = new byte[Side * Side];
            for (var y = 0; y < Side; y++)
                for (var x = 0; x < Side; x++)
                    raster[y * Side + x] = (byte)(255 - original[y / 4 * 28 + x / 4]);

            var back = SketchPreprocessor.Preprocess(raster, Side, Side).Pixels;

            var meanError = original.Zip(back, (a, b) => Math.Abs(a - b)).Average();
            worstMeanError = Math.Max(worstMeanError, meanError);
            if (meanError == 0) exact++;
        }
        // Most items touch the frame and are centred, so they return exactly; the rest move by a fraction of a pixel.
        Assert.InRange(exact, images * 6 / 10, images);
        Assert.InRange(worstMeanError, 0, 40);
    }
}
