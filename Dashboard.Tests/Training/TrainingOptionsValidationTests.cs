using Dashboard.Training;
using Dashboard.Training.Schedules;

namespace Dashboard.Tests.Training;

/// <summary>Validation of the augmentation, schedule, validation-split and early-stopping fields.</summary>
public class TrainingOptionsValidationTests
{
    private static readonly TrainingConfig Control = TrainingConfig.ReportControl;

    private static ConfigError Single(TrainingConfig config) => Assert.Single(config.Validate());

    [Fact]
    public void DefaultsAreTheReportsPlainTraining()
    {
        Assert.Equal((0, false, 0.0), (Control.CropPadding, Control.HorizontalFlip, Control.ErasingProbability));
        Assert.Equal(ScheduleKind.Constant, Control.Schedule);
        Assert.Equal((0.0, 0), (Control.ValidationFraction, Control.EarlyStoppingPatience));
        Assert.Equal(new TrainingConfig(), Control);
        Assert.Equal(Control with { Epochs = 15, BatchSize = 64 }, TrainingConfig.ReportBest);
    }

    [Fact]
    public void AFullyLoadedConfigIsValid() => Assert.Empty((Control with
    {
        Model = "ResNetSmall", CropPadding = 4, HorizontalFlip = true, ErasingProbability = 0.5, ErasingMinArea = 0.1, ErasingMaxArea = 0.1,
        Schedule = ScheduleKind.OneCycle, WarmupFraction = 0.25, ValidationFraction = 0.5, EarlyStoppingPatience = 3,
    }).Validate());

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void RejectsErasingProbabilityOutsideZeroToOne(double p)
    {
        var e = Single(Control with { ErasingProbability = p });
        Assert.Equal(nameof(TrainingConfig.ErasingProbability), e.Field);
        Assert.Contains("between 0 (off) and 1", e.Message);
    }

    [Fact]
    public void RejectsErasingAreasOutOfOrderOrRange()
    {
        Assert.Equal(nameof(TrainingConfig.ErasingMaxArea), Single(Control with { ErasingMinArea = 0.4, ErasingMaxArea = 0.3 }).Field);
        Assert.Equal(nameof(TrainingConfig.ErasingMinArea), Single(Control with { ErasingMinArea = 0 }).Field);
        Assert.Equal(nameof(TrainingConfig.ErasingMaxArea), Single(Control with { ErasingMaxArea = 1.5 }).Field);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(9)]
    public void RejectsCropPaddingOutOfRange(int padding) =>
        Assert.Equal(nameof(TrainingConfig.CropPadding), Single(Control with { CropPadding = padding }).Field);

    [Theory]
    [InlineData(-0.01)]
    [InlineData(0.51)]
    [InlineData(double.PositiveInfinity)]
    public void RejectsValidationFractionOutsideZeroToHalf(double fraction)
    {
        var e = Single(Control with { ValidationFraction = fraction });
        Assert.Equal(nameof(TrainingConfig.ValidationFraction), e.Field);
        Assert.Contains("between 0 (off) and 0.5", e.Message);
    }

    [Fact]
    public void RejectsAValidationSplitOfASingleImage() =>
        Assert.Equal(nameof(TrainingConfig.ValidationFraction), Single(Control with { TrainSubset = 1, ValidationFraction = 0.5 }).Field);

    [Fact]
    public void RejectsNegativePatience()
    {
        var e = Single(Control with { EarlyStoppingPatience = -1, ValidationFraction = 0.1 });
        Assert.Equal(nameof(TrainingConfig.EarlyStoppingPatience), e.Field);
        Assert.Contains("between 0 (off)", e.Message);
    }

    [Fact]
    public void RejectsEarlyStoppingWithoutAValidationSplit()
    {
        var e = Single(Control with { EarlyStoppingPatience = 3 });
        Assert.Equal(nameof(TrainingConfig.EarlyStoppingPatience), e.Field);
        Assert.Contains("validation fraction", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public void RejectsStepSizeOutOfRange(int size) =>
        Assert.Equal(nameof(TrainingConfig.StepSize), Single(Control with { Schedule = ScheduleKind.Step, StepSize = size }).Field);

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void RejectsStepGammaOutOfRange(double gamma) =>
        Assert.Equal(nameof(TrainingConfig.StepGamma), Single(Control with { StepGamma = gamma }).Field);

    [Fact]
    public void RejectsACosineFloorAtOrAboveTheLearningRate()
    {
        Assert.Equal(nameof(TrainingConfig.MinLearningRate), Single(Control with { Schedule = ScheduleKind.Cosine, MinLearningRate = 1e-3 }).Field);
        Assert.Equal(nameof(TrainingConfig.MinLearningRate), Single(Control with { MinLearningRate = -1e-5 }).Field);
        // Only the cosine schedule uses the floor, so a high one is harmless elsewhere.
        Assert.Empty((Control with { MinLearningRate = 1 }).Validate());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void RejectsWarmupFractionOutsideZeroToOne(double fraction) =>
        Assert.Equal(nameof(TrainingConfig.WarmupFraction), Single(Control with { WarmupFraction = fraction }).Field);

    [Fact]
    public void RefusesUndefinedSchedules() =>
        Assert.Equal(nameof(TrainingConfig.Schedule), Single(Control with { Schedule = (ScheduleKind)9 }).Field);

    [Fact]
    public void GivesOneMessagePerBadNewField()
    {
        var errors = (Control with
        {
            CropPadding = -1, ErasingProbability = 2, ErasingMinArea = -1, ErasingMaxArea = 2, Schedule = (ScheduleKind)9, StepSize = 0,
            StepGamma = 0, MinLearningRate = double.NaN, WarmupFraction = 1, ValidationFraction = 1, EarlyStoppingPatience = -1,
        }).Validate();
        Assert.Equal(
            ["CropPadding", "ErasingProbability", "ErasingMinArea", "ErasingMaxArea", "Schedule", "StepSize", "StepGamma", "MinLearningRate", "WarmupFraction", "ValidationFraction", "EarlyStoppingPatience"],
            errors.Select(e => e.Field));
    }
}
