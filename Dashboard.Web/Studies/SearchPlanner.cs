using Dashboard.Training;
using Dashboard.Training.Models;

namespace Dashboard.Web.Studies;

/// <summary>The random-search part of <see cref="StudyPlanner"/>: checks a <see cref="SearchSpace"/> and turns its draws into groups.</summary>
internal static class SearchPlanner
{
    /// <summary>List sizes and string lengths, checked before anything else is examined.</summary>
    public static void Oversized(SearchSpace? space, List<ConfigError> errors)
    {
        if (space is null) return;
        void Cap(int count, string field, string what)
        {
            if (count > SearchSampler.MaxChoices)
                errors.Add(new ConfigError(field, $"{what}: {count:N0} choices, more than the {SearchSampler.MaxChoices} a search space may list. Nothing was examined."));
        }
        Cap(space.BatchSizes.Count, "Search.BatchSizes", "Batch sizes");
        Cap(space.Models.Count, "Search.Models", "Models");
        Cap(space.Augmentation.Count, "Search.Augmentation", "Augmentation");
        Cap(space.Schedules.Count, "Search.Schedules", "Schedules");
    }

    public static void Validate(StudyDesign design, List<ConfigError> errors)
    {
        if (design.Search is not { } space)
        {
            errors.Add(new ConfigError("Search", "A random search needs a search space: ranges or choices to draw from, a budget and a seed."));
            return;
        }
        if (StudyParameters.All.Any(p => design.Alternatives.ValuesOf(p).Count > 0))
            errors.Add(new ConfigError("Alternatives", "A random search draws its configurations from the search space; remove the alternative values."));
        var fewest = design.Mode == StudyMode.Halving ? 2 : 1;
        if (space.Budget < fewest || space.Budget > StudyPlanner.MaxRuns)
            errors.Add(new ConfigError("Search.Budget", $"The budget must be between {fewest} and {StudyPlanner.MaxRuns} {(fewest == 2 ? "trials" : "runs")} (got {space.Budget:N0})."));
        if (space.Seed is < 0 or > SearchSampler.MaxSeed)
            errors.Add(new ConfigError("Search.Seed", $"The seed must be a whole number from 0 to {SearchSampler.MaxSeed} (got {space.Seed})."));

        CheckRange(space.LearningRate, "Search.LearningRate", "Learning rate", double.Epsilon, TrainingConfig.Limits.MaxLearningRate, upperIncluded: true, errors);
        CheckRange(space.WeightDecay, "Search.WeightDecay", "Weight decay", double.Epsilon, TrainingConfig.Limits.MaxWeightDecay, upperIncluded: false, errors);
        if (space.IncludeZeroWeightDecay && space.WeightDecay is null)
            errors.Add(new ConfigError("Search.IncludeZeroWeightDecay", "Trials without weight decay are drawn beside a weight-decay range: give the range too."));

        CheckChoices(space.BatchSizes, "Search.BatchSizes", "Batch size", b => b.ToString(), b => design.Control with { BatchSize = b }, nameof(TrainingConfig.BatchSize), errors);
        foreach (var model in space.Models.Where(m => !ModelCatalog.Contains(m)).Distinct())
            errors.Add(new ConfigError("Search.Models", $"Unknown model '{Shorten(model)}'. Choose from: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))}."));
        CheckChoices(space.Models.Where(ModelCatalog.Contains).ToList(), "Search.Models", "Model", m => m, m => design.Control with { Model = m }, nameof(TrainingConfig.BatchSize), errors);
        CheckChoices(space.Augmentation, "Search.Augmentation", "Augmentation", on => on ? "on" : "off", _ => design.Control, "", errors);
        foreach (var schedule in space.Schedules.Where(s => !Enum.IsDefined(s)).Distinct())
            errors.Add(new ConfigError("Search.Schedules", $"Unknown schedule '{schedule}'. Choose Constant, Step, Cosine or OneCycle."));
        CheckChoices(space.Schedules.Where(Enum.IsDefined).ToList(), "Search.Schedules", "Schedule", s => s.ToString(), s => design.Control with { Schedule = s }, nameof(TrainingConfig.MinLearningRate), errors);

        if (space.LearningRate is null && space.WeightDecay is null && space.BatchSizes.Count + space.Models.Count + space.Augmentation.Count + space.Schedules.Count == 0)
            errors.Add(new ConfigError("Search", "The search space varies nothing: give a learning-rate or weight-decay range, or choices of batch size, model, augmentation or schedule."));
        if (errors.Count == 0) CheckDraws(design, space, errors);
    }

    /// <summary>Every drawn configuration must run (a drawn learning rate below a cosine schedule's floor, a batch too large for a model).</summary>
    private static void CheckDraws(StudyDesign design, SearchSpace space, List<ConfigError> errors)
    {
        foreach (var (config, i) in SearchSampler.Draw(space, design.Control).Select((c, i) => (c, i)))
        {
            if (StudyPlanner.Quick(design, config).Validate() is [var first, ..])
            {
                errors.Add(new ConfigError("Search", $"Trial {i + 1} ({SearchSampler.Label(space, config)}) cannot run: {first.Message}"));
                return;
            }
        }
    }

    public static List<PlannedGroup> Groups(StudyDesign design)
    {
        var space = design.Search!;
        return SearchSampler.Draw(space, design.Control).Select((drawn, i) =>
        {
            var config = StudyPlanner.Quick(design, drawn);
            var varied = StudyParameters.All.Where(p => StudyParameters.Get(drawn, p) != StudyParameters.Get(design.Control, p)).ToList();
            return new PlannedGroup(i + 1, SearchSampler.Label(space, config), varied, config, null);
        }).ToList();
    }

    private static void CheckRange(LogRange? range, string field, string label, double lowest, double highest, bool upperIncluded, List<ConfigError> errors)
    {
        if (range is null) return;
        var inBounds = (double x) => double.IsFinite(x) && x >= lowest && (upperIncluded ? x <= highest : x < highest);
        if (!inBounds(range.Min) || !inBounds(range.Max) || range.Min > range.Max)
            errors.Add(new ConfigError(field, FormattableString.Invariant(
                $"{label} range: both ends must be numbers above 0 and {(upperIncluded ? "at most" : "below")} {highest}, the lower first (got {range.Min:G4} to {range.Max:G4}); log-uniform draws cannot reach 0.")));
    }

    private static void CheckChoices<T>(List<T> choices, string field, string label, Func<T, string> show, Func<T, TrainingConfig> asConfig, string configField, List<ConfigError> errors)
    {
        foreach (var repeated in choices.GroupBy(c => c).Where(g => g.Count() > 1))
            errors.Add(new ConfigError(field, $"{label} {show(repeated.Key)} is listed twice."));
        if (configField == "") return;
        foreach (var choice in choices.Distinct())
        {
            foreach (var e in asConfig(choice).Validate().Where(e => e.Field == configField))
                errors.Add(new ConfigError(field, e.Message));
        }
    }

    // A JSON list may hold null even where the type says it cannot (nullable annotations are not checked inside lists).
    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 40 ? text : text[..40] + "…";
}
