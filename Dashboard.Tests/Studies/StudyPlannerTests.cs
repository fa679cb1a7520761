using Dashboard.Training;
using Dashboard.Web.Studies;

namespace Dashboard.Tests.Studies;

public sealed class StudyPlannerTests
{
    [Fact]
    public void TheReportPresetExpandsToExactlyTheGroupsOfTable1WithTheReportedFigures()
    {
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy);

        Assert.True(plan.IsValid, string.Join(" ", plan.Errors.Select(e => e.Message)));
        (int Group, int Epochs, int Batch, double WeightDecay, double LearningRate)[] table1 =
        [
            (1, 10, 128, 0.0001, 0.001),
            (2, 10, 128, 0.0001, 0.01),
            (3, 10, 128, 0.0001, 0.1),
            (4, 10, 128, 0.001, 0.001),
            (5, 10, 128, 0.01, 0.001),
            (6, 10, 64, 0.0001, 0.001),
            (7, 10, 256, 0.0001, 0.001),
            (8, 5, 128, 0.0001, 0.001),
            (9, 15, 128, 0.0001, 0.001),
        ];
        Assert.Equal(table1, plan.Groups.Select(g => (g.Group, g.Config.Epochs, g.Config.BatchSize, g.Config.WeightDecay, g.Config.LearningRate)));
        Assert.Equal(9, plan.RunCount);
        // Everything else is the report's control: same model, optimizer and seed in every group.
        Assert.All(plan.Groups, g => Assert.Equal(TrainingConfig.ReportControl with
        {
            Epochs = g.Config.Epochs, BatchSize = g.Config.BatchSize, WeightDecay = g.Config.WeightDecay, LearningRate = g.Config.LearningRate,
        }, g.Config));
        Assert.Empty(plan.Groups[0].Varied);
        Assert.Equal("control", plan.Groups[0].Label);
        Assert.Equal([StudyParameter.LearningRate], plan.Groups[1].Varied);
        Assert.Equal("lr 0.01", plan.Groups[1].Label);
        Assert.Equal("batch 256", plan.Groups[6].Label);
        Assert.Equal([71.3, 73.0, 75.2, 73.9, 80.5, 98.9, 69.4, 39.0, 117.2], plan.Groups.Select(g => g.Reported!.TrainingSeconds));
        Assert.Equal([0.91, 0.87, 0.67, 0.90, 0.85, 0.90, 0.90, 0.90, 0.91], plan.Groups.Select(g => g.Reported!.Accuracy));
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void AGridOfTheReportsValuesIsRefusedPastTheCapWithTheCount()
    {
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy with { Mode = StudyMode.Grid });

        Assert.False(plan.IsValid);
        Assert.Empty(plan.Groups);
        Assert.Equal(81, plan.RunCount);
        var error = Assert.Single(plan.Errors);
        Assert.Equal("A grid of these values makes 81 runs (3 × 3 × 3 × 3), more than the cap of 64. Remove values, or study one parameter at a time.", error.Message);
    }

    [Fact]
    public void AGridWithinTheCapHoldsEveryCombinationOnceWithTheControlFirst()
    {
        var design = StudyDesign.ReportStudy with
        {
            Mode = StudyMode.Grid,
            Alternatives = new StudyAlternatives { LearningRates = [0.01], WeightDecays = [0.001, 0.01], BatchSizes = [64], Epochs = [5] },
        };

        var plan = StudyPlanner.Expand(design);

        Assert.True(plan.IsValid);
        Assert.Equal(2 * 3 * 2 * 2, plan.Groups.Count);
        Assert.Equal(Enumerable.Range(1, 24), plan.Groups.Select(g => g.Group));
        Assert.Equal(TrainingConfig.ReportControl, plan.Groups[0].Config);
        Assert.Empty(plan.Groups[0].Varied);
        Assert.Equal(24, plan.Groups.Select(g => g.Config).Distinct().Count());
        var last = plan.Groups[^1];
        Assert.Equal((0.01, 0.01, 64, 5), (last.Config.LearningRate, last.Config.WeightDecay, last.Config.BatchSize, last.Config.Epochs));
        Assert.Equal("lr 0.01 · wd 0.01 · batch 64 · epochs 5", last.Label);
        Assert.Null(last.Reported);
    }

    [Fact]
    public void ExactlyTheCapIsAllowed()
    {
        // 4 × 4 × 2 × 2 = 64.
        var design = StudyDesign.ReportStudy with
        {
            Mode = StudyMode.Grid,
            Alternatives = new StudyAlternatives { LearningRates = [0.01, 0.1, 0.0005], WeightDecays = [0.001, 0.01, 0], BatchSizes = [64], Epochs = [5] },
        };
        var plan = StudyPlanner.Expand(design);
        Assert.True(plan.IsValid, string.Join(" ", plan.Errors.Select(e => e.Message)));
        Assert.Equal(64, plan.Groups.Count);
    }

    [Fact]
    public void InvalidAlternativeValuesAreRefusedWithTheirParameterNamed()
    {
        var design = StudyDesign.ReportStudy with
        {
            Alternatives = new StudyAlternatives { LearningRates = [-0.1, 0.01, 0.01], WeightDecays = [0.0001], BatchSizes = [0], Epochs = [501] },
        };

        var plan = StudyPlanner.Expand(design);

        Assert.False(plan.IsValid);
        Assert.Empty(plan.Groups);
        var byField = plan.Errors.ToLookup(e => e.Field, e => e.Message);
        Assert.Contains(byField["LearningRate"], m => m.StartsWith("Learning rate must be a number greater than 0", StringComparison.Ordinal) && m.Contains("-0.1"));
        Assert.Contains("Learning rate 0.01 is listed twice.", byField["LearningRate"]);
        Assert.Contains("Weight decay 0.0001 is the control's value; the control group already runs it.", byField["WeightDecay"]);
        Assert.Contains(byField["BatchSize"], m => m.StartsWith("Batch size must be between 1 and", StringComparison.Ordinal));
        Assert.Contains(byField["Epochs"], m => m.Contains("(got 501)"));
    }

    [Fact]
    public void AStudyWithoutAlternativesOrWithABadControlIsRefused()
    {
        var empty = StudyPlanner.Expand(new StudyDesign());
        Assert.Equal("Add at least one alternative value: a study compares the control with something.", Assert.Single(empty.Errors).Message);

        var badControl = StudyPlanner.Expand(StudyDesign.ReportStudy with { Control = TrainingConfig.ReportControl with { Model = "Nope" } });
        Assert.Contains(badControl.Errors, e => e.Field == "Control.Model");
    }

    [Fact]
    public void TheQuickRunSetsTheSubsetAndScalesEpochAlternativesWithTheControl()
    {
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy with { Quick = new QuickRun { TrainSubset = 2000, Epochs = 2 } });

        Assert.True(plan.IsValid);
        Assert.All(plan.Groups, g => Assert.Equal(2000, g.Config.TrainSubset));
        // 5, 10 and 15 epochs become 1, 2 and 3: still shorter, control and longer.
        Assert.Equal([2, 2, 2, 2, 2, 2, 2, 1, 3], plan.Groups.Select(g => g.Config.Epochs));
        Assert.Equal("epochs 1", plan.Groups[7].Label);
        // The groups are still the report's, so its figures are still shown beside ours.
        Assert.All(plan.Groups, g => Assert.NotNull(g.Reported));
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void AQuickRunThatMakesTwoGroupsIdenticalIsAllowedWithAWarning()
    {
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy with { Quick = new QuickRun { TrainSubset = 1000, Epochs = 1 } });

        Assert.True(plan.IsValid);
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 2], plan.Groups.Select(g => g.Config.Epochs));
        Assert.Equal("Groups 1 and 8 train the same configuration after the quick-run override.", Assert.Single(plan.Warnings));
    }

    [Fact]
    public void QuickRunLimitsAreChecked()
    {
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy with { Quick = new QuickRun { TrainSubset = 0, Epochs = 0 } });
        Assert.Equal(["Quick.TrainSubset", "Quick.Epochs"], plan.Errors.Select(e => e.Field));
    }

    [Fact]
    public void ReportedFiguresOnlyApplyToTheReportsGroups()
    {
        var changed = StudyDesign.ReportStudy with { Alternatives = StudyDesign.ReportStudy.Alternatives with { LearningRates = [0.01] } };
        Assert.False(changed.MatchesReport());
        Assert.All(StudyPlanner.Expand(changed).Groups, g => Assert.Null(g.Reported));

        var sgd = StudyDesign.ReportStudy with { Control = TrainingConfig.ReportControl with { Optimizer = OptimizerKind.Sgd } };
        Assert.False(sgd.MatchesReport());
        Assert.True((StudyDesign.ReportStudy with { Name = "mine" }).MatchesReport());
    }

    [Theory]
    [InlineData(StudyParameter.LearningRate, "0.01, 0.1", new[] { 0.01, 0.1 })]
    [InlineData(StudyParameter.LearningRate, " 1e-2 ;0.1\t", new[] { 0.01, 0.1 })]
    [InlineData(StudyParameter.BatchSize, "64 256", new[] { 64.0, 256.0 })]
    [InlineData(StudyParameter.Epochs, "", new double[0])]
    public void ValuesAreReadFromCommaOrSpaceSeparatedText(StudyParameter p, string text, double[] expected)
    {
        var (values, errors) = StudyParameters.Parse(p, text);
        Assert.Empty(errors);
        Assert.Equal(expected, values);
    }

    [Fact]
    public void UnreadableValuesAreNamed()
    {
        var (values, errors) = StudyParameters.Parse(StudyParameter.BatchSize, "64, abc, 12.5");
        Assert.Equal([64.0], values);
        Assert.Equal(["Batch size: 'abc' is not a number.", "Batch size: '12.5' is not a whole number."], errors.Select(e => e.Message));
    }

    [Fact]
    public void TheBuilderModelRoundTripsTheReportPresetAndReportsTypos()
    {
        var model = StudyBuilderModel.From(StudyDesign.ReportStudy);
        Assert.Equal("0.01, 0.1", model.LearningRates);
        Assert.Equal("0.001", model.LearningRate);
        var (design, errors) = model.ToDesign();
        Assert.Empty(errors);
        Assert.True(design.MatchesReport());
        Assert.Equal(9, model.Preview().Groups.Count);

        model.LearningRates = "0.01, x";
        model.WeightDecay = "";
        var preview = model.Preview();
        Assert.False(preview.IsValid);
        Assert.Empty(preview.Groups);
        Assert.Contains(preview.Errors, e => e.Field == "LearningRate" && e.Message == "Learning rate: 'x' is not a number.");
        Assert.Contains(preview.Errors, e => e.Field == "Control.WeightDecay");

        model.LearningRates = "0.01";
        model.WeightDecay = "1e-4";
        model.QuickRun = true;
        model.QuickSubset = 1500;
        model.QuickEpochs = 1;
        var quick = model.Preview();
        Assert.True(quick.IsValid);
        Assert.Equal(8, quick.Groups.Count);
        Assert.All(quick.Groups, g => Assert.Equal(1500, g.Config.TrainSubset));
    }
}
