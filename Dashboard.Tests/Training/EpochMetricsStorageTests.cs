using JsonSerializer = System.Text.Json.JsonSerializer;
using JsonSerializerOptions = System.Text.Json.JsonSerializerOptions;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using LiteDB;

namespace Dashboard.Tests.Training;

/// <summary>The new EpochMetrics fields survive LiteDB and JSON, and records stored before them still load.</summary>
public class EpochMetricsStorageTests(Xunit.Abstractions.ITestOutputHelper output)
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

    private static readonly EpochMetrics WithFigures = Full with
    {
        PerClass = new ClassScores(
            [0.85, 0.99, 0.8, 0.88, 0.8, 0.97, 0.7, 0.95, 0.97, 0.96],
            [0.86, 0.97, 0.81, 0.9, 0.82, 0.97, 0.66, 0.96, 0.98, 0.95],
            [0.855, 0.98, 0.805, 0.89, 0.81, 0.97, 0.68, 0.955, 0.975, 0.955]),
        CpuPercent = 187.5,
        ResidentBytes = 912_345_678,
    };

    [Fact]
    public void PerClassScoresAndSystemFiguresRoundTripThroughLiteDbAndStayFewHundredBytes()
    {
        var document = Mapper.ToDocument(WithFigures);
        var loaded = Mapper.ToObject<EpochMetrics>(document);
        Assert.Equal(WithFigures, loaded);
        Assert.NotEqual(WithFigures, loaded with { PerClass = loaded.PerClass! with { F1 = [.. loaded.PerClass.F1.Skip(1), 0.5] } });
        // What an epoch adds to a run's document (stated in the decision on per-epoch figures): keep it small.
        var added = BsonSerializer.Serialize(document).Length - BsonSerializer.Serialize(Mapper.ToDocument(Full)).Length;
        output.WriteLine($"{added} bytes added per epoch");
        Assert.InRange(added, 300, 500);
    }

    [Fact]
    public void PerClassScoresAndSystemFiguresPassTheApisStrictJson()
    {
        var strict = new JsonSerializerOptions(JsonSerializerOptions.Web);
        Dashboard.Web.Api.StrictInput.Strict(strict);
        var json = JsonSerializer.Serialize(WithFigures, strict);
        Assert.Contains("\"perClass\":{\"precision\":[0.85,", json);
        Assert.Equal(WithFigures, JsonSerializer.Deserialize<EpochMetrics>(json, strict));
    }

    [Fact]
    public void RecordsStoredBeforePerClassScoresLoadWithoutThem()
    {
        var document = Mapper.ToDocument(Full);
        Assert.False(document.ContainsKey("PerClass"));
        var loaded = Mapper.ToObject<EpochMetrics>(document);
        Assert.Null(loaded.PerClass);
        Assert.Null(loaded.CpuPercent);
        Assert.Null(loaded.ResidentBytes);
        Assert.Equal(Full, loaded);
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
