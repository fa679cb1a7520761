using Dashboard.Training;

namespace Dashboard.Web.Studies;

/// <summary>The halving part of <see cref="StudyPlanner"/>: checks the rung settings and makes the groups trials of the rungs' last epoch.</summary>
internal static class HalvingPlanner
{
    /// <summary>The rungs' epochs, adding the settings' errors; empty when the design is not a valid halving study.</summary>
    public static IReadOnlyList<int> Validate(StudyDesign design, List<ConfigError> errors)
    {
        if (design.Mode != StudyMode.Halving)
        {
            if (design.Halving is not null)
                errors.Add(new ConfigError("Halving", "Halving settings are for halving studies; remove them, or choose Halving."));
            return [];
        }
        if (design.Halving is not { } h)
        {
            errors.Add(new ConfigError("Halving", "A halving study needs its rungs: min epochs, max epochs and the reduction factor."));
            return [];
        }
        var before = errors.Count;
        if (!Enum.IsDefined(h.Trials))
            errors.Add(new ConfigError("Halving.Trials", $"Unknown trials '{h.Trials}'. Choose Grid or Random."));
        if (h.MaxEpochs is < TrainingConfig.Limits.MinEpochs + 1 or > TrainingConfig.Limits.MaxEpochs)
            errors.Add(new ConfigError("Halving.MaxEpochs", $"Max epochs must be between {TrainingConfig.Limits.MinEpochs + 1} and {TrainingConfig.Limits.MaxEpochs} (got {h.MaxEpochs})."));
        if (h.MinEpochs < TrainingConfig.Limits.MinEpochs || h.MinEpochs >= h.MaxEpochs)
            errors.Add(new ConfigError("Halving.MinEpochs", $"Min epochs must be at least {TrainingConfig.Limits.MinEpochs} and below max epochs {h.MaxEpochs} (got {h.MinEpochs})."));
        if (h.Reduction is < HalvingSettings.MinReduction or > HalvingSettings.MaxReduction)
            errors.Add(new ConfigError("Halving.Reduction", $"The reduction factor η must be between {HalvingSettings.MinReduction} and {HalvingSettings.MaxReduction} (got {h.Reduction})."));
        if (design.Alternatives.Epochs.Count > 0)
            errors.Add(new ConfigError(nameof(StudyParameter.Epochs), "In a halving study epochs are the resource, set by min and max epochs: remove the epoch alternatives."));
        if (design.Quick?.Epochs is not null)
            errors.Add(new ConfigError("Quick.Epochs", "In a halving study epochs are set by min and max epochs: leave the quick run's epochs empty."));
        return errors.Count == before ? h.Rungs() : [];
    }

    /// <summary>Every trial trains to the last rung, so its learning-rate schedule is that of the full run.</summary>
    public static List<PlannedGroup> ToTrials(IEnumerable<PlannedGroup> groups, IReadOnlyList<int> rungs) =>
        groups.Select(g => g with { Config = g.Config with { Epochs = rungs[^1] } }).ToList();
}
