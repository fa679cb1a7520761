namespace Dashboard.Training.Augmentation;

/// <summary>Which augmentations a run applies to each training batch.</summary>
/// <param name="CropPadding">Pad each side by this many background pixels, then crop a random 28×28 window (a random translation); 0 is off.</param>
/// <param name="HorizontalFlip">Mirror each image left to right with probability 0.5.</param>
/// <param name="ErasingProbability">Chance of erasing a random rectangle of each image; 0 is off.</param>
/// <param name="ErasingMinArea">Smallest erased area, as a fraction of the image.</param>
/// <param name="ErasingMaxArea">Largest erased area, as a fraction of the image.</param>
public sealed record AugmentationOptions(int CropPadding, bool HorizontalFlip, double ErasingProbability, double ErasingMinArea, double ErasingMaxArea)
{
    /// <summary>No augmentation (the lab report's setting).</summary>
    public static AugmentationOptions None { get; } = new(0, false, 0, 0.02, 0.33);

    /// <summary>Whether any augmentation is on.</summary>
    public bool Any => CropPadding > 0 || HorizontalFlip || ErasingProbability > 0;

    /// <summary>The augmentations a config asks for.</summary>
    public static AugmentationOptions From(TrainingConfig config) =>
        new(config.CropPadding, config.HorizontalFlip, config.ErasingProbability, config.ErasingMinArea, config.ErasingMaxArea);
}
