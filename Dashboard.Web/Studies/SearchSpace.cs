using System.Globalization;
using Dashboard.Training;
using Dashboard.Training.Schedules;

namespace Dashboard.Web.Studies;

/// <summary>A range drawn log-uniformly: every decade between <see cref="Min"/> and <see cref="Max"/> is equally likely.</summary>
public sealed record LogRange
{
    public double Min { get; init; }
    public double Max { get; init; }
}

/// <summary>
/// What a random search draws from. A dimension left empty (null range, empty list) keeps the control's value, so
/// the space names only what it varies. <see cref="Seed"/> fixes the draws: the same space and seed give the same
/// configurations, on any machine and runtime (<see cref="SplitMix64"/>).
/// </summary>
public sealed record SearchSpace
{
    /// <summary>Learning rate, log-uniform; null keeps the control's.</summary>
    public LogRange? LearningRate { get; init; }
    /// <summary>Weight decay, log-uniform (above 0); null keeps the control's.</summary>
    public LogRange? WeightDecay { get; init; }
    /// <summary>With a weight-decay range: half the trials train without weight decay (0 cannot be drawn log-uniformly).</summary>
    public bool IncludeZeroWeightDecay { get; init; }
    /// <summary>Batch sizes to choose from, equally likely.</summary>
    public List<int> BatchSizes { get; init; } = [];
    /// <summary>Model names (<see cref="Dashboard.Training.Models.ModelCatalog"/>) to choose from.</summary>
    public List<string> Models { get; init; } = [];
    /// <summary>Augmentation off (false) and/or on (true, <see cref="SearchSampler.AugmentationOn"/>) to choose from.</summary>
    public List<bool> Augmentation { get; init; } = [];
    /// <summary>Learning-rate schedules to choose from.</summary>
    public List<ScheduleKind> Schedules { get; init; } = [];
    /// <summary>How many configurations to draw: the runs of a random study, the trials of a halving one.</summary>
    public int Budget { get; init; } = 8;
    /// <summary>Fixes the draws (0 to <see cref="SearchSampler.MaxSeed"/>).</summary>
    public long Seed { get; init; } = 1;
}

/// <summary>
/// A tiny seeded generator, SplitMix64 (Steele, Lea and Flood 2014), written out here so that the draws of a seed never
/// change with the runtime: .NET documents no such promise for <see cref="Random"/>'s sequence.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1), from the top 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="count"/>).</summary>
    public int NextIndex(int count) => (int)(NextDouble() * count);
}

/// <summary>Draws a <see cref="SearchSpace"/>'s configurations.</summary>
public static class SearchSampler
{
    /// <summary>Largest seed: every seed a JSON number holds exactly.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    /// <summary>Most choices in one list of a space.</summary>
    public const int MaxChoices = 16;

    /// <summary>"Augmentation on" in a search: a random crop with 2 pixels of padding and horizontal flips, no erasing.</summary>
    public static TrainingConfig AugmentationOn(TrainingConfig c) => c with { CropPadding = 2, HorizontalFlip = true, ErasingProbability = 0 };

    public static TrainingConfig AugmentationOff(TrainingConfig c) => c with { CropPadding = 0, HorizontalFlip = false, ErasingProbability = 0 };

    /// <summary>
    /// <see cref="SearchSpace.Budget"/> configurations, the control's except for the space's dimensions. Each trial takes
    /// exactly seven draws, one per dimension in a fixed order, even for a dimension that keeps the control's value, so
    /// changing one dimension leaves the others' draws alone. Drawn values keep 3 significant digits (readable labels),
    /// kept within the range.
    /// </summary>
    public static IReadOnlyList<TrainingConfig> Draw(SearchSpace space, TrainingConfig control)
    {
        var random = new SplitMix64((ulong)space.Seed);
        var configs = new List<TrainingConfig>(space.Budget);
        for (var i = 0; i < space.Budget; i++)
        {
            var c = control;
            var lr = random.NextDouble();
            if (space.LearningRate is { } lrRange) c = c with { LearningRate = LogUniform(lrRange, lr) };
            var (zero, wd) = (random.NextDouble(), random.NextDouble());
            if (space.WeightDecay is { } wdRange) c = c with { WeightDecay = space.IncludeZeroWeightDecay && zero < 0.5 ? 0 : LogUniform(wdRange, wd) };
            c = Choose(random, space.BatchSizes, c, (x, v) => x with { BatchSize = v });
            c = Choose(random, space.Models, c, (x, v) => x with { Model = v });
            c = Choose(random, space.Augmentation, c, (x, on) => on ? AugmentationOn(x) : AugmentationOff(x));
            c = Choose(random, space.Schedules, c, (x, v) => x with { Schedule = v });
            configs.Add(c);
        }
        return configs;
    }

    private static TrainingConfig Choose<T>(SplitMix64 random, List<T> choices, TrainingConfig c, Func<TrainingConfig, T, TrainingConfig> set)
    {
        var draw = random.NextDouble();
        return choices.Count == 0 ? c : set(c, choices[Math.Min((int)(draw * choices.Count), choices.Count - 1)]);
    }

    /// <summary>exp of a uniform draw between the logs of the bounds, to 3 significant digits, within the bounds.</summary>
    public static double LogUniform(LogRange range, double u)
    {
        var value = Math.Exp(Math.Log(range.Min) + u * (Math.Log(range.Max) - Math.Log(range.Min)));
        var rounded = double.Parse(value.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return Math.Clamp(rounded, range.Min, range.Max);
    }

    /// <summary>What a trial's configuration draws, for its label: "lr 0.00123 · wd 0 · batch 64 · BnCnn · augmented · Cosine".</summary>
    public static string Label(SearchSpace space, TrainingConfig c)
    {
        var parts = new List<string>();
        if (space.LearningRate is not null) parts.Add($"lr {StudyParameters.FormatValue(c, StudyParameter.LearningRate)}");
        if (space.WeightDecay is not null) parts.Add($"wd {StudyParameters.FormatValue(c, StudyParameter.WeightDecay)}");
        if (space.BatchSizes.Count > 1) parts.Add($"batch {c.BatchSize}");
        if (space.Models.Count > 1) parts.Add(c.Model);
        if (space.Augmentation.Count > 1) parts.Add(c.HorizontalFlip || c.CropPadding > 0 ? "augmented" : "no augmentation");
        if (space.Schedules.Count > 1) parts.Add(c.Schedule.ToString());
        return parts.Count == 0 ? "control" : string.Join(" · ", parts);
    }
}
