using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Dashboard.Web.Analysis;

/// <summary>
/// How much one setting explains of the chosen metric: the mean drop in R² when the setting's values are shuffled among
/// the runs (0 or below: the forest does not use it), and the standard error of that mean over the shuffles.
/// </summary>
public sealed record SettingImportance(string Key, string Label, double Importance, double StandardError);

/// <summary>
/// The settings ranked by importance for one metric, with the R² of the forest's predictions on the runs it was fitted to;
/// or, in Problem, a sentence for the user saying why nothing could be ranked.
/// </summary>
public sealed record ImportanceResult(string Metric, string MetricLabel, int Runs, double? FitR2, IReadOnlyList<SettingImportance> Settings, string? Problem, TimeSpan Took)
{
    /// <summary>The method, for the page and the API.</summary>
    public static string Method { get; } =
        $"Permutation importance (ML.NET PermutationFeatureImportance) of a random forest (ML.NET FastForest regression, {ParameterImportance.Trees} trees, seed {ParameterImportance.Seed}) " +
        $"fitted to the runs: for each setting, how much the forest's R² drops when that setting's values are shuffled among the runs, the mean of {ParameterImportance.Shuffles} shuffles " +
        $"(scored on at most {ParameterImportance.MaxScored:N0} of the runs, a seeded sample). " +
        "Categorical settings are coded as numbers, one per value, which trees split like any other.";
}

/// <summary>
/// Ranks the settings that vary across an <see cref="AnalysisTable"/> by how much they explain a metric. Deterministic:
/// a fixed seed and one training thread give the same ranking for the same runs.
/// </summary>
public static class ParameterImportance
{
    /// <summary>Fewest runs with the metric for a ranking: below this a forest fits noise.</summary>
    public const int MinRuns = 8;
    // 50 trees, 3 shuffles, at most 1,000 runs scored: about half the time of 100 trees scoring every run, with the same
    // ranking (docs/benchmarks.md, "Which settings matter").
    public const int Trees = 50;
    public const int Shuffles = 3;
    /// <summary>Most runs whose predictions the shuffles are scored on (a seeded sample of the runs).</summary>
    public const int MaxScored = 1_000;
    public const int Seed = 42;

    public static ImportanceResult Compute(AnalysisTable table, string metricKey)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var metric = AnalysisMetrics.Find(metricKey) ?? throw new ArgumentException($"Unknown metric '{metricKey}'. Metrics: {AnalysisMetrics.Keys}.");
        var label = table.IndexOf(metric.Key);
        var settings = table.Settings;
        // A seeded order, so that the runs scored (the first MaxScored) are a sample of the whole set, the same for the same set.
        var rows = label < 0 ? [] : table.Rows.Where(r => r.Values[label] is not null).ToList();
        new Random(Seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        ImportanceResult Refuse(string problem) => new(metric.Key, metric.Label, rows.Count, null, [], problem, clock.Elapsed);

        if (rows.Count < MinRuns)
            return Refuse($"Ranking the settings needs at least {MinRuns} completed runs with a {metric.Label.ToLowerInvariant()}; there {(rows.Count == 1 ? "is" : "are")} {rows.Count}.");
        if (settings.Count == 0)
            return Refuse("Every run has the same settings, so there is nothing to rank: vary a setting across the runs.");
        var first = rows[0].Values[label];
        if (rows.All(r => r.Values[label] == first))
            return Refuse($"Every run has the same {metric.Label.ToLowerInvariant()}, so no setting explains any of it.");

        var ml = new MLContext(seed: Seed);
        var examples = rows.Select(r => new Example
        {
            Features = [.. settings.Select((_, i) => (float)r.Values[i]!.Value)],
            Label = (float)r.Values[label]!.Value,
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(Example));
        schema[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, settings.Count);
        var data = ml.Data.LoadFromEnumerable(examples, schema);

        var forest = ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            NumberOfTrees = Trees,
            // The defaults (10 per leaf) leave a small study's forest without a single split.
            MinimumExampleCountPerLeaf = Math.Clamp(rows.Count / 20, 2, 10),
            NumberOfThreads = 1,
        }).Fit(data);
        var fit = ml.Regression.Evaluate(forest.Transform(data));
        var permuted = ml.Regression.PermutationFeatureImportance(forest, data, permutationCount: Shuffles, numberOfExamplesToUse: MaxScored);
        var ranked = settings.Select((s, i) => new SettingImportance(s.Key, s.Label, -permuted[i].RSquared.Mean, permuted[i].RSquared.StandardError))
            .OrderByDescending(s => s.Importance).ThenBy(s => s.Label, StringComparer.Ordinal)
            .ToList();
        return new ImportanceResult(metric.Key, metric.Label, rows.Count, fit.RSquared, ranked, null, clock.Elapsed);
    }

    public static string Percent(double r2) => (r2 * 100).ToString("F1", CultureInfo.InvariantCulture);

    private sealed class Example
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }
}
