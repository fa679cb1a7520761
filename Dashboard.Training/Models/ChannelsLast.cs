using static TorchSharp.torch;

namespace Dashboard.Training.Models;

/// <summary>
/// Puts a batch of images into the channels-last memory layout (NHWC in memory, NCHW shape).
/// oneDNN's convolutions then produce channels-last activations, and libtorch's channels-last
/// max-pool kernel is ~8× faster than its NCHW one on this model's shapes: the seed config trains
/// ~20 % faster, BnCnn ~40 %, ResNetSmall ~15 % (docs/decisions/0011-channels-last.md). Only the
/// activations change layout; the parameters, checkpoints and exported weights stay contiguous.
/// </summary>
internal static class ChannelsLast
{
    /// <summary>The batch as a channels-last tensor: a copy, or the batch itself if it already is one.</summary>
    // TorchSharp 0.107 exposes no memory_format argument, so the layout is built from its strides.
    public static Tensor Of(Tensor images)
    {
        if (images.dim() != 4) return images;
        var (c, h, w) = (images.shape[1], images.shape[2], images.shape[3]);
        long[] strides = [c * h * w, 1, w * c, c];
        if (images.stride().SequenceEqual(strides)) return images;
        return empty_strided(images.shape, strides, images.dtype, images.device).copy_(images);
    }
}
