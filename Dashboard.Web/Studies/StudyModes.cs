using System.Globalization;

namespace Dashboard.Web.Studies;

/// <summary>What each study mode does, in words for the pages.</summary>
public static class StudyModes
{
    /// <summary>One sentence on how the design's runs were chosen.</summary>
    public static string Describe(StudyDesign design) => design.Mode switch
    {
        StudyMode.Grid => "Grid study: every combination of the values.",
        StudyMode.Random => $"Random search: {design.Search?.Budget} configurations drawn from the search space with seed {design.Search?.Seed}.",
        StudyMode.Halving when design.Halving is { } h =>
            $"Successive halving (ASHA) over {(h.Trials == HalvingTrials.Random ? $"{design.Search?.Budget} random configurations (seed {design.Search?.Seed})" : "a grid")}: "
            + $"every trial trains to epoch {h.MinEpochs}, then the best 1/{h.Reduction} of each rung continue from their checkpoint, up to epoch {h.MaxEpochs} "
            + $"(rungs at {string.Join(", ", h.Rungs().Select(e => e.ToString(CultureInfo.InvariantCulture)))}).",
        _ => "One parameter at a time against the control (group 1).",
    };
}
