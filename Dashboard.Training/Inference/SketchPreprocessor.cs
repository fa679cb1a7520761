using Dashboard.Training.Data;

namespace Dashboard.Training.Inference;

/// <summary>
/// Turns a drawing into an image in Fashion-MNIST's form. The data set's items are light on black,
/// centred, and their longer side spans the whole 28-pixel frame (true of over 95 % of the test set);
/// a drawing is dark ink on a light background, anywhere and at any size. So: invert, find the
/// bounding box of the ink, scale it (keeping its aspect ratio) until its longer side fills
/// <see cref="ItemSize"/>, centre the box, and resample by area averaging.
/// </summary>
/// <remarks>
/// The result is 784 bytes in the model's orientation: exactly what the prediction API takes and
/// what the dashboard shows as the preview, so the preview is what the model receives. Centring is by
/// bounding box, not centre of mass, and the item fills the frame rather than MNIST's 20-pixel box,
/// because that is how Fashion-MNIST itself was made; docs/decisions/0010-sketch-preprocessing.md
/// has the measurements.
/// </remarks>
public static class SketchPreprocessor
{
    /// <summary>Side of the frame the ink's longer side is scaled to. Fashion-MNIST items fill the frame.</summary>
    public const int ItemSize = FashionMnist.ImageSize;

    /// <summary>
    /// Ink (after inversion, 0–255) above this counts toward the bounding box. Fainter pixels still take
    /// part in the resampling; they only do not stretch the box (anti-aliasing, paper grain, JPEG noise).
    /// </summary>
    public const byte InkThreshold = 8;

    /// <summary>Largest accepted raster side, to bound the work per request.</summary>
    public const int MaxSide = 1024;

    /// <summary>
    /// Preprocesses a grayscale raster (0 = black ink, 255 = white paper, row-major).
    /// </summary>
    /// <param name="gray">width × height luminance bytes.</param>
    /// <param name="width">Raster width in pixels (1–<see cref="MaxSide"/>).</param>
    /// <param name="height">Raster height in pixels (1–<see cref="MaxSide"/>).</param>
    /// <returns>The 28×28 image, or an empty result when nothing is drawn.</returns>
    /// <exception cref="ArgumentException">The size is out of range or does not match the byte count.</exception>
    public static SketchImage Preprocess(ReadOnlySpan<byte> gray, int width, int height)
    {
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide)
            throw new ArgumentException($"The raster must be between 1 and {MaxSide} pixels on each side (got {width}×{height}).");
        if (gray.Length != width * height)
            throw new ArgumentException($"A {width}×{height} raster has {width * height} pixels, but {gray.Length} bytes were given.");

        var ink = new float[gray.Length];
        int minX = width, minY = height, maxX = -1, maxY = -1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var value = 255 - gray[y * width + x];
                ink[y * width + x] = value;
                if (value <= InkThreshold) continue;
                if (x < minX) minX = x;
                if (x > maxX) maxX = x;
                if (y < minY) minY = y;
                if (y > maxY) maxY = y;
            }
        }
        if (maxX < 0) return SketchImage.Empty;

        var box = new InkBox(minX, minY, maxX - minX + 1, maxY - minY + 1);
        var scale = (double)ItemSize / Math.Max(box.Width, box.Height);
        // Where the box's top-left corner lands in the 28×28 frame: centred, then moved to the next whole
        // pixel, which is how Fashion-MNIST placed its items (a test image drawn on the canvas then comes
        // back pixel for pixel instead of blurred by a half-pixel shift).
        var offsetX = Math.Ceiling((FashionMnist.ImageSize - box.Width * scale) / 2 - 1e-9);
        var offsetY = Math.Ceiling((FashionMnist.ImageSize - box.Height * scale) / 2 - 1e-9);
        var columns = AreaWeights(width, box.X, offsetX, scale);
        var rows = AreaWeights(height, box.Y, offsetY, scale);

        // Area averaging is separable: resample the rows horizontally, then the columns vertically.
        const int size = FashionMnist.ImageSize;
        var horizontal = new float[height * size];
        for (var y = 0; y < height; y++)
        {
            for (var ox = 0; ox < size; ox++)
            {
                var (first, weights) = columns[ox];
                double sum = 0;
                for (var k = 0; k < weights.Length; k++) sum += weights[k] * ink[y * width + first + k];
                horizontal[y * size + ox] = (float)sum;
            }
        }
        var pixels = new byte[size * size];
        for (var oy = 0; oy < size; oy++)
        {
            var (first, weights) = rows[oy];
            for (var ox = 0; ox < size; ox++)
            {
                double sum = 0;
                for (var k = 0; k < weights.Length; k++) sum += weights[k] * horizontal[(first + k) * size + ox];
                pixels[oy * size + ox] = (byte)Math.Clamp(Math.Round(sum), 0, 255);
            }
        }
        return new SketchImage(pixels, box);
    }

    /// <summary>
    /// For each output pixel along one axis, the source pixels it covers and the share of each: the
    /// output interval [o, o + 1) maps back to [start + (o − offset) / scale, … + 1 / scale) in the source.
    /// Source pixels outside the raster are paper (no ink) and simply contribute nothing.
    /// </summary>
    private static (int First, double[] Weights)[] AreaWeights(int sourceLength, int start, double offset, double scale)
    {
        var result = new (int, double[])[FashionMnist.ImageSize];
        var span = 1 / scale;
        for (var o = 0; o < FashionMnist.ImageSize; o++)
        {
            var from = start + (o - offset) * span;
            var to = from + span;
            var first = Math.Max(0, (int)Math.Floor(from));
            var last = Math.Min(sourceLength - 1, (int)Math.Ceiling(to) - 1);
            if (last < first)
            {
                result[o] = (0, []);
                continue;
            }
            var weights = new double[last - first + 1];
            for (var j = first; j <= last; j++)
                weights[j - first] = Math.Max(0, Math.Min(to, j + 1) - Math.Max(from, j)) / span;
            result[o] = (first, weights);
        }
        return result;
    }
}

/// <summary>The bounding box of the ink in the source raster.</summary>
/// <param name="X">Left column.</param>
/// <param name="Y">Top row.</param>
/// <param name="Width">Columns spanned.</param>
/// <param name="Height">Rows spanned.</param>
public readonly record struct InkBox(int X, int Y, int Width, int Height);

/// <summary>A preprocessed drawing: 784 bytes (0–255, light item on black, row-major), or nothing drawn.</summary>
public sealed class SketchImage
{
    internal SketchImage(byte[]? pixels, InkBox? ink)
    {
        _pixels = pixels;
        Ink = ink;
    }

    private readonly byte[]? _pixels;

    /// <summary>The result for a blank canvas.</summary>
    public static SketchImage Empty { get; } = new(null, null);

    /// <summary>Whether no pixel had enough ink: there is nothing to classify.</summary>
    public bool IsEmpty => _pixels is null;

    /// <summary>Where the ink was found in the source raster; null when empty.</summary>
    public InkBox? Ink { get; }

    /// <summary>A copy of the 28×28 image the model receives.</summary>
    /// <exception cref="InvalidOperationException">Nothing was drawn.</exception>
    public byte[] Pixels => (byte[]?)_pixels?.Clone() ?? throw new InvalidOperationException("Nothing is drawn, so there is no image to classify.");
}
