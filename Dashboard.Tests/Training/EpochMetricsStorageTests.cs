using JsonSerializer = System.Text.Json.JsonSerializer;
using JsonSerializerOptions = System.Text.Json.JsonSerializerOptions;
using Dashboard.Training;
using LiteDB;

namespace Dashboard.Tests.Training;

/// <summary>The new EpochMetrics fields survive LiteDB and JSON, and records stored before them still load.</summary>
public class EpochMetricsStorageTests
{
    // The run store's mapper settings.
    private static readonly BsonMapper Mapper = new() { EnumAsInteger = false };

    private static readonly EpochMetrics Full = new(3, 0.31, 0.29, 0.91, 20.5, 2900)
    {
        LearningRate = 5e-4, ValidationLoss = 0.27, ValidationAccuracy = 0.92,
    };

    [Fact]
    public void NewFieldsRoundTripThroughLiteDb()
    {
        var document = Mapper.ToDocument(Full);
        Assert.Equal(Full, Mapper.ToObject<EpochMetrics>(document));
    }

    [Fact]
    public void RecordsStoredBeforeTheNewFieldsLoadWithNulls()
    {
        var old = new BsonDocument
        {
            ["Epoch"] = 1, ["TrainLoss"] = 0.5, ["TestLoss"] = 0.4, ["TestAccuracy"] = 0.8, ["Seconds"] = 12.5, ["ImagesPerSecond"] = 4000.0,
        };
        var loaded = Mapper.ToObject<EpochMetrics>(old);
        Assert.Equal(new EpochMetrics(1, 0.5, 0.4, 0.8, 12.5, 4000), loaded);
        Assert.Null(loaded.LearningRate);
        Assert.Null(loaded.ValidationLoss);
    }

    [Fact]
    public void NewFieldsRoundTripThroughJson()
    {
        var json = JsonSerializer.Serialize(Full, JsonSerializerOptions.Web);
        Assert.Contains("\"validationAccuracy\":0.92", json);
        Assert.Equal(Full, JsonSerializer.Deserialize<EpochMetrics>(json, JsonSerializerOptions.Web));
    }

    [Fact]
    public void ConfigWithNewFieldsRoundTripsThroughLiteDb()
    {
        var config = TrainingConfig.ReportControl with
        {
            Model = "BnCnn", CropPadding = 2, HorizontalFlip = true, ErasingProbability = 0.25, Schedule = Dashboard.Training.Schedules.ScheduleKind.Cosine,
            MinLearningRate = 1e-5, ValidationFraction = 0.1, EarlyStoppingPatience = 4,
        };
        Assert.Equal(config, Mapper.ToObject<TrainingConfig>(Mapper.ToDocument(config)));
        var document = Mapper.ToDocument(TrainingConfig.ReportControl);
        foreach (var field in new[] { "CropPadding", "HorizontalFlip", "ErasingProbability", "ErasingMinArea", "ErasingMaxArea", "Schedule", "StepSize", "StepGamma", "MinLearningRate", "WarmupFraction", "ValidationFraction", "EarlyStoppingPatience" })
            document.Remove(field);
        Assert.Equal(TrainingConfig.ReportControl, Mapper.ToObject<TrainingConfig>(document));
    }
}
