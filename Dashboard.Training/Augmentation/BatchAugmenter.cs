using Dashboard.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Augmentation;

/// <summary>
/// Augments whole training batches [N, C, H, W] with tensor operations: random crop after padding,
/// horizontal flip, random erasing, in that order (torchvision's usual order). Every random number comes
/// from the augmenter's own generator, so a run's augmentations repeat under its seed, and turning
/// augmentation on leaves the batch order (drawn from another generator) unchanged. Labels are never touched.
/// </summary>
public sealed class BatchAugmenter : IDisposable
{
    /// <summary>Aspect ratios of erased rectangles are drawn log-uniformly from this range (torchvision's default).</summary>
    public static readonly (double Min, double Max) ErasingAspectRatio = (0.3, 3.3);

    /// <summary>
    /// A black pixel after normalisation, computed as <see cref="FashionMnistData.Normalize"/> does. Padding
    /// uses it so that a shifted item sits on the data set's own background (0 would be mid-grey).
    /// </summary>
    public static readonly float Background = (0f / 255f - FashionMnist.PixelMean) / FashionMnist.PixelStd;

    /// <summary>Erased pixels become 0, the mean pixel after normalisation (torchvision's default value).</summary>
    public const float ErasedValue = 0f;

    private readonly Generator _generator;

    /// <summary>An augmenter drawing from a generator seeded with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public BatchAugmenter(AugmentationOptions options, ulong seed)
    {
        if (options.CropPadding < 0) throw new ArgumentException($"Crop padding must be at least 0 (got {options.CropPadding}).", nameof(options));
        if (!(options.ErasingProbability is >= 0 and <= 1)) throw new ArgumentException($"Erasing probability must be between 0 and 1 (got {options.ErasingProbability}).", nameof(options));
        if (!(options.ErasingMinArea > 0 && options.ErasingMinArea <= options.ErasingMaxArea && options.ErasingMaxArea <= 1))
            throw new ArgumentException($"Erasing areas must satisfy 0 < min ≤ max ≤ 1 (got {options.ErasingMinArea}, {options.ErasingMaxArea}).", nameof(options));
        Options = options;
        _generator = new Generator(seed);
    }

    /// <summary>What this augmenter applies.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>The generator's state, to continue the same random stream after a resume.</summary>
    public byte[] GetState() => GeneratorState.Get(_generator);

    /// <summary>Restores a state from <see cref="GetState"/>.</summary>
    public void SetState(byte[] state) => GeneratorState.Set(_generator, state);

    /// <summary>
    /// The augmented batch, a new tensor of the same shape on the same device (created in the caller's dispose scope).
    /// Draws the same amount of randomness for every batch of a given size, whatever the images hold.
    /// </summary>
    public Tensor Apply(Tensor images)
    {
        if (images.dim() != 4) throw new ArgumentException($"Expected a batch [N, C, H, W], got shape [{string.Join(", ", images.shape)}].", nameof(images));
        var x = images;
        if (Options.CropPadding > 0) x = RandomCrop(x, Options.CropPadding);
        if (Options.HorizontalFlip) x = RandomFlip(x);
        if (Options.ErasingProbability > 0) x = RandomErase(x);
        return ReferenceEquals(x, images) ? images.clone() : x;
    }

    private Tensor RandomCrop(Tensor x, int padding)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var padded = nn.functional.pad(x, [padding, padding, padding, padding], PaddingModes.Constant, Background);
        // Offsets 0..2p per image: the window's top-left corner in the padded image (p = no shift).
        var offsets = randint(0, 2 * padding + 1, [n, 2], dtype: ScalarType.Int64, generator: _generator).to(x.device);
        var rows = offsets.narrow(1, 0, 1) + arange(h, dtype: ScalarType.Int64, device: x.device);
        var cols = offsets.narrow(1, 1, 1) + arange(w, dtype: ScalarType.Int64, device: x.device);
        var byRow = padded.gather(2, rows.view(n, 1, h, 1).expand(n, c, h, w + 2 * padding));
        return byRow.gather(3, cols.view(n, 1, 1, w).expand(n, c, h, w));
    }

    private Tensor RandomFlip(Tensor x)
    {
        var n = x.shape[0];
        var flip = (rand([n], generator: _generator) < 0.5).to(x.device).view(n, 1, 1, 1);
        return x.flip(3).where(flip, x);
    }

    private Tensor RandomErase(Tensor x)
    {
        int n = (int)x.shape[0], h = (int)x.shape[2], w = (int)x.shape[3];
        // Five uniforms per image, drawn whether or not it is erased, so the stream advances the same way every batch.
        var u = rand([n, 5], dtype: ScalarType.Float64, generator: _generator).data<double>().ToArray();
        var bounds = new long[n * 4];
        var (logMin, logMax) = (Math.Log(ErasingAspectRatio.Min), Math.Log(ErasingAspectRatio.Max));
        for (var i = 0; i < n; i++)
        {
            var r = u.AsSpan(i * 5, 5);
            if (r[0] >= Options.ErasingProbability) continue; // an empty rectangle: top = bottom = 0
            var area = (Options.ErasingMinArea + (Options.ErasingMaxArea - Options.ErasingMinArea) * r[1]) * h * w;
            var ratio = Math.Exp(logMin + (logMax - logMin) * r[2]);
            var eh = Math.Clamp((int)Math.Round(Math.Sqrt(area * ratio)), 1, h);
            var ew = Math.Clamp((int)Math.Round(Math.Sqrt(area / ratio)), 1, w);
            var top = Math.Min((int)(r[3] * (h - eh + 1)), h - eh);
            var left = Math.Min((int)(r[4] * (w - ew + 1)), w - ew);
            bounds[i * 4] = top;
            bounds[i * 4 + 1] = top + eh;
            bounds[i * 4 + 2] = left;
            bounds[i * 4 + 3] = left + ew;
        }
        var b = tensor(bounds, [n, 4]).to(x.device);
        var ys = arange(h, dtype: ScalarType.Int64, device: x.device).view(1, 1, h, 1);
        var xs = arange(w, dtype: ScalarType.Int64, device: x.device).view(1, 1, 1, w);
        var inRows = ys.ge(b.narrow(1, 0, 1).view(n, 1, 1, 1)).logical_and(ys.lt(b.narrow(1, 1, 1).view(n, 1, 1, 1)));
        var inCols = xs.ge(b.narrow(1, 2, 1).view(n, 1, 1, 1)).logical_and(xs.lt(b.narrow(1, 3, 1).view(n, 1, 1, 1)));
        return x.masked_fill(inRows.logical_and(inCols), ErasedValue);
    }

    /// <inheritdoc />
    public void Dispose() => _generator.Dispose();
}
