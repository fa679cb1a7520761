using Dashboard.Tests.Support;
using Dashboard.Training.Augmentation;
using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

public class AugmentationTests
{
    private const int Side = 28;
    private static readonly AugmentationOptions Off = AugmentationOptions.None;
    private static readonly AugmentationOptions All = new(CropPadding: 3, HorizontalFlip: true, ErasingProbability: 0.5, ErasingMinArea: 0.02, ErasingMaxArea: 0.33);

    public AugmentationTests() => TorchRuntime.Initialize();

    /// <summary>The first <paramref name="n"/> real training images, as the trainer slices them.</summary>
    private static Tensor RealBatch(int n) => RealData.Get().TrainImages.narrow(0, 0, n).clone();

    private static float[,] Image(Tensor batch, int i)
    {
        var values = batch[i].reshape(Side * Side).data<float>().ToArray();
        var image = new float[Side, Side];
        for (var k = 0; k < values.Length; k++) image[k / Side, k % Side] = values[k];
        return image;
    }

    [Fact]
    public void AugmentedBatchesKeepTheirShapeAndLeaveTheInputAlone()
    {
        using var batch = RealBatch(32);
        using var original = batch.clone();
        using var augmenter = new BatchAugmenter(All, seed: 1);
        using var augmented = augmenter.Apply(batch);

        Assert.Equal(batch.shape, augmented.shape);
        Assert.Equal(batch.dtype, augmented.dtype);
        Assert.True(Same(batch, original), "the input batch (a view of the shared data set) was modified");
        Assert.False(Same(augmented, batch));
    }

    [Fact]
    public void SameSeedGivesTheSameBatchesAndAnotherSeedOthers()
    {
        using var batch = RealBatch(32);
        using var a = new BatchAugmenter(All, seed: 7);
        using var b = new BatchAugmenter(All, seed: 7);
        using var c = new BatchAugmenter(All, seed: 8);
        for (var step = 0; step < 3; step++)
        {
            using var fromA = a.Apply(batch);
            using var fromB = b.Apply(batch);
            using var fromC = c.Apply(batch);
            Assert.True(Same(fromA, fromB));
            Assert.False(Same(fromA, fromC));
        }
    }

    [Fact]
    public void RestoredStateContinuesTheSameStream()
    {
        using var batch = RealBatch(16);
        using var a = new BatchAugmenter(All, seed: 5);
        a.Apply(batch).Dispose();
        var state = a.GetState();
        using var next = a.Apply(batch);

        using var b = new BatchAugmenter(All, seed: 99);
        b.SetState(state);
        using var resumed = b.Apply(batch);
        Assert.True(Same(next, resumed));
    }

    [Fact]
    public void CropIsATranslationOfTheSameImageOverTheBackground()
    {
        const int padding = 3;
        using var batch = RealBatch(24);
        using var augmenter = new BatchAugmenter(Off with { CropPadding = padding }, seed: 2);
        using var augmented = augmenter.Apply(batch);
        var shifts = new HashSet<(int, int)>();
        for (var i = 0; i < 24; i++)
        {
            var (input, output) = (Image(batch, i), Image(augmented, i));
            // Each output is its own input shifted by (dy, dx) in [−p, p]², padded with the black background.
            var shift = (from dy in Enumerable.Range(-padding, 2 * padding + 1)
                         from dx in Enumerable.Range(-padding, 2 * padding + 1)
                         where IsShift(input, output, dy, dx)
                         select (dy, dx)).ToList();
            Assert.NotEmpty(shift);
            shifts.Add(shift[0]);
        }
        Assert.True(shifts.Count > 5, $"only {shifts.Count} distinct shifts in 24 images");
    }

    private static bool IsShift(float[,] input, float[,] output, int dy, int dx)
    {
        for (var y = 0; y < Side; y++)
        for (var x = 0; x < Side; x++)
        {
            var (sy, sx) = (y + dy, x + dx);
            var expected = sy is >= 0 and < Side && sx is >= 0 and < Side ? input[sy, sx] : BatchAugmenter.Background;
            if (output[y, x] != expected) return false;
        }
        return true;
    }

    [Fact]
    public void FlipOfAnAsymmetricImageIsItsMirror()
    {
        // A ramp that grows to the right, different in every column: its mirror differs from it everywhere off-centre.
        var ramp = new float[Side * Side];
        for (var k = 0; k < ramp.Length; k++) ramp[k] = k % Side + (k / Side) * 0.01f;
        using var one = tensor(ramp, [1, 1, Side, Side]);
        using var batch = one.expand(64, 1, Side, Side).contiguous();
        using var augmenter = new BatchAugmenter(Off with { HorizontalFlip = true }, seed: 3);
        using var augmented = augmenter.Apply(batch);
        var input = Image(batch, 0);
        int flipped = 0, kept = 0;
        for (var i = 0; i < 64; i++)
        {
            var output = Image(augmented, i);
            if (output[0, 0] == input[0, 0]) { kept++; Assert.Equal(input, output); continue; }
            flipped++;
            for (var y = 0; y < Side; y++)
                for (var x = 0; x < Side; x++)
                    Assert.Equal(input[y, Side - 1 - x], output[y, x]);
        }
        // p = 0.5 on 64 images: both outcomes occur (all alike has probability 2⁻⁶³).
        Assert.True(flipped > 10 && kept > 10, $"{flipped} flipped, {kept} kept");
    }

    [Fact]
    public void ErasingOnlyBlanksOneRectangleOfTheAllowedArea()
    {
        using var batch = rand(48, 1, Side, Side).add(1); // no pixel is 0, so every erased pixel shows
        using var augmenter = new BatchAugmenter(Off with { ErasingProbability = 0.75, ErasingMinArea = 0.05, ErasingMaxArea = 0.2 }, seed: 4);
        using var augmented = augmenter.Apply(batch);
        var erasedImages = 0;
        for (var i = 0; i < 48; i++)
        {
            var (input, output) = (Image(batch, i), Image(augmented, i));
            var changed = (from y in Enumerable.Range(0, Side) from x in Enumerable.Range(0, Side) where output[y, x] != input[y, x] select (y, x)).ToList();
            if (changed.Count == 0) continue;
            erasedImages++;
            Assert.All(changed, p => Assert.Equal(BatchAugmenter.ErasedValue, output[p.y, p.x]));
            var (top, bottom) = (changed.Min(p => p.y), changed.Max(p => p.y));
            var (left, right) = (changed.Min(p => p.x), changed.Max(p => p.x));
            var area = (bottom - top + 1) * (right - left + 1);
            Assert.Equal(area, changed.Count); // the changed pixels fill their bounding box: a rectangle
            // Rounding the sides of a rectangle of the drawn area can move it by up to about one row and column.
            Assert.InRange(area, 0.05 * Side * Side - 2 * Side, 0.2 * Side * Side + 2 * Side);
        }
        Assert.InRange(erasedImages, 24, 46);
    }

    [Fact]
    public void OffOptionsAreOffAndBadOnesAreRefused()
    {
        Assert.False(Off.Any);
        Assert.False(AugmentationOptions.From(Dashboard.Training.TrainingConfig.ReportControl).Any);
        Assert.Throws<ArgumentException>(() => new BatchAugmenter(Off with { ErasingProbability = 1.5 }, 1));
        Assert.Throws<ArgumentException>(() => new BatchAugmenter(Off with { ErasingMinArea = 0.5, ErasingMaxArea = 0.4 }, 1));
        Assert.Throws<ArgumentException>(() => new BatchAugmenter(Off with { CropPadding = -1 }, 1));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
