using Dashboard.Training;
using Dashboard.Training.Models;
using Dashboard.Training.Schedules;
using Dashboard.Web.Studies;

namespace Dashboard.Tests.Studies;

/// <summary>Random search and halving studies as the planner expands them: seeded draws, their bounds, the caps and the rungs.</summary>
public sealed class SearchPlannerTests
{
    private static readonly SearchSpace Space = new()
    {
        LearningRate = new LogRange { Min = 1e-4, Max = 1e-2 },
        WeightDecay = new LogRange { Min = 1e-6, Max = 1e-3 },
        IncludeZeroWeightDecay = true,
        BatchSizes = [64, 128, 256],
        Models = [nameof(SeedCnn), nameof(BnCnn)],
        Augmentation = [false, true],
        Schedules = [ScheduleKind.Constant, ScheduleKind.Cosine],
        Budget = 40,
        Seed = 7,
    };

    private static StudyDesign Random(SearchSpace space) => new() { Mode = StudyMode.Random, Search = space };

    private static StudyPlan Valid(StudyDesign design)
    {
        var plan = StudyPlanner.Expand(design);
        Assert.True(plan.IsValid, string.Join(" ", plan.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return plan;
    }

    [Fact]
    public void TheSameSeedDrawsTheSameConfigurationsAndAnotherSeedOthers()
    {
        var first = Valid(Random(Space)).Groups.Select(g => g.Config).ToList();
        var again = Valid(Random(Space)).Groups.Select(g => g.Config).ToList();
        var other = Valid(Random(Space with { Seed = 8 })).Groups.Select(g => g.Config).ToList();

        Assert.Equal(40, first.Count);
        Assert.Equal(first, again);
        Assert.Equal(40, first.Zip(other).Count(p => p.First != p.Second));
        // Kept to 3 significant digits (about 900 values a decade), so a repeat now and then is expected.
        Assert.InRange(first.Select(c => c.LearningRate).Distinct().Count(), 36, 40);
    }

    [Fact]
    public void TheGeneratorIsSplitMix64WhateverTheRuntime()
    {
        // The reference implementation's first outputs for seed 0: a change of generator would show here.
        var random = new SplitMix64(0);
        Assert.Equal([0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL], [random.Next(), random.Next(), random.Next()]);
    }

    [Fact]
    public void LogUniformDrawsStayInTheirRangeAndSpreadOverItsDecades()
    {
        var configs = Valid(Random(Space with { Budget = 64, IncludeZeroWeightDecay = false })).Groups.Select(g => g.Config).ToList();

        Assert.All(configs, c => Assert.InRange(c.LearningRate, 1e-4, 1e-2));
        Assert.All(configs, c => Assert.InRange(c.WeightDecay, 1e-6, 1e-3));
        // Log-uniform: each of the two decades of the learning-rate range holds about half of the draws (a uniform draw
        // would put ~90 % in the upper decade).
        var lowerDecade = configs.Count(c => c.LearningRate < 1e-3);
        Assert.InRange(lowerDecade, 20, 44);
        // The bounds themselves are reachable: u = 0 and u → 1.
        Assert.Equal(1e-4, SearchSampler.LogUniform(new LogRange { Min = 1e-4, Max = 1e-2 }, 0), 1e-12);
        Assert.Equal(1e-2, SearchSampler.LogUniform(new LogRange { Min = 1e-4, Max = 1e-2 }, 1 - 1e-16), 1e-12);
    }

    [Fact]
    public void ChoicesAndZeroWeightDecayAreAllDrawn()
    {
        var configs = Valid(Random(Space with { Budget = 64 })).Groups.Select(g => g.Config).ToList();

        Assert.Equal([64, 128, 256], configs.Select(c => c.BatchSize).Distinct().Order());
        Assert.Equal([nameof(BnCnn), nameof(SeedCnn)], configs.Select(c => c.Model).Distinct().Order());
        Assert.Equal([ScheduleKind.Constant, ScheduleKind.Cosine], configs.Select(c => c.Schedule).Distinct().Order());
        Assert.Equal([(0, false), (2, true)], configs.Select(c => (c.CropPadding, c.HorizontalFlip)).Distinct().Order());
        var zero = configs.Count(c => c.WeightDecay == 0);
        Assert.InRange(zero, 16, 48);
        // Everything the space leaves out is the control's.
        Assert.All(configs, c => Assert.Equal((TrainingConfig.ReportControl.Optimizer, TrainingConfig.ReportControl.Seed, TrainingConfig.ReportControl.Epochs),
            (c.Optimizer, c.Seed, c.Epochs)));
    }

    [Fact]
    public void ChangingOneDimensionLeavesTheOthersDrawsAlone()
    {
        var before = Valid(Random(Space)).Groups.Select(g => g.Config).ToList();
        var after = Valid(Random(Space with { BatchSizes = [32, 512] })).Groups.Select(g => g.Config).ToList();

        Assert.Equal(before.Select(c => (c.LearningRate, c.WeightDecay, c.Model, c.Schedule)), after.Select(c => (c.LearningRate, c.WeightDecay, c.Model, c.Schedule)));
        Assert.NotEqual(before.Select(c => c.BatchSize), after.Select(c => c.BatchSize));
    }

    [Fact]
    public void ARandomStudyLabelsItsRunsByWhatWasDrawn()
    {
        var plan = Valid(Random(Space with { Budget = 2, Models = [], Augmentation = [], Schedules = [] }));

        Assert.Equal(2, plan.RunCount);
        var g = plan.Groups[0];
        Assert.Equal($"lr {StudyParameters.FormatValue(g.Config, StudyParameter.LearningRate)} · wd {StudyParameters.FormatValue(g.Config, StudyParameter.WeightDecay)} · batch {g.Config.BatchSize}", g.Label);
        Assert.Contains(StudyParameter.LearningRate, g.Varied);
        Assert.Equal(new EpochBudget(20, 20, 20), plan.Epochs);
    }

    [Theory]
    [InlineData(0, "Search.Budget", "The budget must be between 1 and 64 runs (got 0).")]
    [InlineData(65, "Search.Budget", "The budget must be between 1 and 64 runs (got 65).")]
    public void TheBudgetIsCapped(int budget, string field, string message)
    {
        var plan = StudyPlanner.Expand(Random(Space with { Budget = budget }));
        var error = Assert.Single(plan.Errors);
        Assert.Equal((field, message), (error.Field, error.Message));
        Assert.Empty(plan.Groups);
    }

    [Fact]
    public void LongListsAreRefusedBeforeAnythingIsExamined()
    {
        var plan = StudyPlanner.Expand(Random(Space with { BatchSizes = [.. Enumerable.Range(1, 100_000)], Models = [.. Enumerable.Repeat("x", 17)] }));

        Assert.Equal(["Search.BatchSizes", "Search.Models"], plan.Errors.Select(e => e.Field));
        Assert.StartsWith("Batch sizes: 100,000 choices, more than the 16", plan.Errors[0].Message);
        Assert.Equal(0, plan.RunCount);
    }

    [Fact]
    public void BadRangesChoicesAndSeedsAreRefusedByField()
    {
        var plan = StudyPlanner.Expand(Random(Space with
        {
            LearningRate = new LogRange { Min = 0.01, Max = 0.001 },
            WeightDecay = new LogRange { Min = 0, Max = 1e-3 },
            BatchSizes = [64, 64, 0],
            Models = ["NoSuchNet"],
            Schedules = [(ScheduleKind)42],
            Seed = -1,
        }));

        var fields = plan.Errors.Select(e => e.Field).ToList();
        Assert.Equal(["Search.Seed", "Search.LearningRate", "Search.WeightDecay", "Search.BatchSizes", "Search.BatchSizes", "Search.Models", "Search.Schedules"], fields);
        Assert.Contains("log-uniform draws cannot reach 0", plan.Errors[2].Message);
        Assert.Equal("Batch size 64 is listed twice.", plan.Errors[3].Message);
        Assert.StartsWith("Unknown model 'NoSuchNet'.", plan.Errors[5].Message);
    }

    [Fact]
    public void ARandomStudyTakesNoAlternativesAndMustVarySomething()
    {
        var plan = StudyPlanner.Expand(new StudyDesign
        {
            Mode = StudyMode.Random,
            Search = new SearchSpace { Budget = 3 },
            Alternatives = new StudyAlternatives { LearningRates = [0.01] },
        });

        Assert.Equal(["Alternatives", "Search"], plan.Errors.Select(e => e.Field).Order());
        Assert.Contains(plan.Errors, e => e.Message.StartsWith("The search space varies nothing"));
        // And a space given to a grid is refused rather than ignored.
        var grid = StudyPlanner.Expand(StudyDesign.ReportStudy with { Mode = StudyMode.Grid, Alternatives = new StudyAlternatives { LearningRates = [0.01] }, Search = Space });
        Assert.Equal("Search", Assert.Single(grid.Errors).Field);
    }

    [Fact]
    public void ADrawThatCannotRunIsNamed()
    {
        // Cosine needs its floor below the learning rate: a draw under 5e-4 cannot run.
        var plan = StudyPlanner.Expand(new StudyDesign
        {
            Mode = StudyMode.Random,
            Control = TrainingConfig.ReportControl with { Schedule = ScheduleKind.Cosine, MinLearningRate = 5e-4 },
            Search = new SearchSpace { LearningRate = new LogRange { Min = 1e-4, Max = 1e-2 }, Budget = 20, Seed = 3 },
        });

        var error = Assert.Single(plan.Errors);
        Assert.Equal("Search", error.Field);
        Assert.Matches(@"^Trial \d+ \(lr [0-9.eE+-]+\) cannot run: Minimum learning rate", error.Message);
    }

    [Theory]
    [InlineData(1, 9, 3, new[] { 1, 3, 9 })]
    [InlineData(1, 4, 3, new[] { 1, 3, 4 })]
    [InlineData(2, 16, 2, new[] { 2, 4, 8, 16 })]
    [InlineData(1, 3, 3, new[] { 1, 3 })]
    [InlineData(3, 10, 4, new[] { 3, 10 })]
    public void RungsGrowByTheReductionFactorUpToTheMaxEpochs(int min, int max, int reduction, int[] rungs)
    {
        Assert.Equal(rungs, new HalvingSettings { MinEpochs = min, MaxEpochs = max, Reduction = reduction }.Rungs());
    }

    [Fact]
    public void AHalvingStudyOverAGridTrainsEveryTrialToTheMaxEpochsAndPausesItAtTheFirstRung()
    {
        var plan = Valid(new StudyDesign
        {
            Mode = StudyMode.Halving,
            Control = TrainingConfig.ReportControl,
            Alternatives = new StudyAlternatives { LearningRates = [0.0005, 0.002], WeightDecays = [0], BatchSizes = [64] },
            Halving = new HalvingSettings { MinEpochs = 1, MaxEpochs = 9, Reduction = 3 },
            Quick = new QuickRun { TrainSubset = 10_000 },
        });

        Assert.Equal(12, plan.RunCount);
        Assert.Equal([1, 3, 9], plan.Rungs);
        Assert.All(plan.Groups, g => Assert.Equal((9, 10_000), (g.Config.Epochs, g.Config.TrainSubset!.Value)));
        Assert.Equal("control", plan.Groups[0].Label);
        Assert.Equal(12, plan.Groups.Select(g => g.Config).Distinct().Count());
        // All to the end: 12 × 9. Each rung keeping its top third: 12 + 4 × 2 + 1 × 6. At worst 12 + 10 × 2 + 8 × 6.
        Assert.Equal(new EpochBudget(108, 26, 80), plan.Epochs);
    }

    [Fact]
    public void AHalvingStudyOverARandomSampleDrawsItsTrials()
    {
        var plan = Valid(new StudyDesign
        {
            Mode = StudyMode.Halving,
            Search = Space with { Budget = 9 },
            Halving = new HalvingSettings { Trials = HalvingTrials.Random, MinEpochs = 1, MaxEpochs = 4, Reduction = 3 },
        });

        Assert.Equal(9, plan.Groups.Count);
        Assert.Equal(SearchSampler.Draw(Space with { Budget = 9 }, TrainingConfig.ReportControl).Select(c => c with { Epochs = 4 }), plan.Groups.Select(g => g.Config));
        Assert.Equal([1, 3, 4], plan.Rungs);
    }

    [Fact]
    public void HalvingSettingsAreCheckedAndEpochsAreTheirs()
    {
        var plan = StudyPlanner.Expand(new StudyDesign
        {
            Mode = StudyMode.Halving,
            Alternatives = new StudyAlternatives { LearningRates = [0.01], Epochs = [5] },
            Halving = new HalvingSettings { MinEpochs = 5, MaxEpochs = 5, Reduction = 1 },
            Quick = new QuickRun { Epochs = 1 },
        });

        Assert.Equal(["Halving.MinEpochs", "Halving.Reduction", "Epochs", "Quick.Epochs"], plan.Errors.Select(e => e.Field));
        Assert.Empty(plan.Rungs);

        var missing = StudyPlanner.Expand(new StudyDesign { Mode = StudyMode.Halving, Alternatives = new StudyAlternatives { LearningRates = [0.01] } });
        Assert.Equal("Halving", Assert.Single(missing.Errors).Field);
        var stray = StudyPlanner.Expand(StudyDesign.ReportStudy with { Halving = new HalvingSettings() });
        Assert.Equal("Halving", Assert.Single(stray.Errors).Field);
    }
}
