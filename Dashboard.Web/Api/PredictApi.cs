using System.Text.Json;
using Dashboard.Training.Data;
using Dashboard.Training.Inference;
using Dashboard.Web.Prediction;
using Dashboard.Web.Torch;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Api;

/// <summary>POST /api/predict: classify one 28×28 image with one run or an ensemble.</summary>
public static class PredictApi
{
    /// <summary>Largest accepted body. 784 numbers and 8 ids fit in well under 20 KB.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/predict", PredictAsync)
            .WithTags("Predict")
            .WithName("Predict")
            .WithSummary("Class probabilities of one 28×28 image (0–255, light item on black, row-major) for each run and their ensemble.")
            .Accepts<PredictRequest>("application/json")
            .Produces<PredictResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery()
            .RequireRateLimiting(Dashboard.Web.Security.RateLimits.Predict);
        return app;
    }

    // The body is read by hand so that an oversized one is refused with a message, before it is buffered whole.
    private static async Task<IResult> PredictAsync(HttpRequest http, Predictor predictor, TorchWork torch, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        // Only what Accepts<PredictRequest>("application/json") documents, like every bound JSON body.
        if (!http.HasJsonContentType())
            return Results.Problem($"Send the predict request as JSON (Content-Type: application/json), not {http.ContentType ?? "without a content type"}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (http.ContentLength > MaxBodyBytes) return TooLarge();
        var body = await ReadLimitedAsync(http.Body, cancellationToken);
        if (body is null) return TooLarge();

        PredictRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<PredictRequest>(body, json.Value.SerializerOptions);
        }
        catch (JsonException e)
        {
            return BadRequest($"The body is not a valid predict request ({e.Message}). Send {{ \"runIds\": [...], \"pixels\": [784 numbers] }}.");
        }
        if (request is null) return BadRequest("The body is empty. Send { \"runIds\": [...], \"pixels\": [784 numbers] }.");

        var runIds = request.RunIds ?? [];
        if (runIds.Count == 0) return BadRequest("No run ids: give 1 to 8 completed runs in runIds.");
        if (runIds.Count > Predictor.MaxRuns) return BadRequest($"Too many runs ({runIds.Count}): an ensemble has at most {Predictor.MaxRuns}.");
        if (runIds.GroupBy(id => id).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            return BadRequest($"Run {repeated.Key} is listed more than once.");

        if (request.Pixels is not { } pixels) return BadRequest($"No pixels: give {Classifier.PixelCount} values (28 × 28, row-major, 0–255).");
        if (pixels.Length != Classifier.PixelCount)
            return BadRequest($"Expected {Classifier.PixelCount} pixel values (28 × 28, row-major), got {pixels.Length}.");
        for (var i = 0; i < pixels.Length; i++)
        {
            if (pixels[i] is not (>= 0 and <= 255))
                return BadRequest($"Pixel values must be between 0 and 255; pixels[{i}] (row {i / FashionMnist.ImageSize}, column {i % FashionMnist.ImageSize}) is {pixels[i]}.");
        }

        try
        {
            var runs = predictor.FindRuns(runIds);
            var input = pixels.Select(p => (float)p).ToArray();
            var prediction = await torch.RunAsync(() => predictor.Predict(runs, input), "prediction", cancellationToken);
            return Results.Ok(new PredictResponse(FashionMnist.ClassNames, prediction.Runs, prediction.Ensemble));
        }
        catch (RunNotFoundException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status404NotFound);
        }
        catch (RunNotPredictableException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (Dashboard.Web.Storage.ArtifactDamagedException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (TorchWorkRejectedException e)
        {
            return e.ToResult();
        }
    }

    /// <summary>The whole body, or null when it exceeds <see cref="MaxBodyBytes"/> (chunked bodies carry no length).</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes + 1];
        var total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
            if (total > MaxBodyBytes) return null;
        }
        return buffer[..total];
    }

    private static IResult TooLarge() => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail:
        $"The body is larger than {MaxBodyBytes / 1024} KB; a predict request (784 pixels and up to {Predictor.MaxRuns} run ids) needs far less.");

    private static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest);
}

/// <summary>Body of POST /api/predict.</summary>
/// <param name="RunIds">1 to 8 completed runs; several make an ensemble (mean of their softmax outputs).</param>
/// <param name="Pixels">784 values, 0–255, row-major, light item on black, already 28×28: used as given, not preprocessed.</param>
public sealed record PredictRequest(IReadOnlyList<Guid>? RunIds, double[]? Pixels);

/// <summary>Each run's class probabilities and the ensemble's (their mean), with class names in label order.</summary>
public sealed record PredictResponse(IReadOnlyList<string> ClassNames, IReadOnlyList<RunPrediction> Runs, ClassScores Ensemble);
