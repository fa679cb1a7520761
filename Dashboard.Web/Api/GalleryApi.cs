using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Evaluation;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Dashboard.Web.Torch;

namespace Dashboard.Web.Api;

/// <summary>The error gallery: which test images a run got wrong (or right), and the images themselves.</summary>
public static class GalleryApi
{
    /// <summary>Most items in one page of the gallery.</summary>
    public const int MaxTake = 500;

    public static IEndpointRouteBuilder MapGalleryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs/{id:guid}/gallery", async (Guid id, int? truth, int? predicted, int? skip, int? take,
            RunStore store, RunEvaluations evaluations, CancellationToken cancellationToken) =>
        {
            if (truth is not null and not (>= 0 and < FashionMnist.ClassCount) || predicted is not null and not (>= 0 and < FashionMnist.ClassCount))
                return Results.Problem($"truth and predicted are classes from 0 to {FashionMnist.ClassCount - 1}.", statusCode: StatusCodes.Status400BadRequest);
            if (truth is null != predicted is null)
                return Results.Problem("Give both truth and predicted (one confusion-matrix cell), or neither (every mistake).", statusCode: StatusCodes.Status400BadRequest);
            if (take is < 1 or > MaxTake || skip is < 0)
                return Results.Problem($"take is 1–{MaxTake} and skip is not negative.", statusCode: StatusCodes.Status400BadRequest);
            var run = store.Get(id);
            if (run is null) return Results.Problem($"No run has the id {id}.", statusCode: StatusCodes.Status404NotFound);
            if (run.Status != RunStatus.Completed)
                return Results.Problem($"Run {id} is {run.Status}: the gallery shows the test images of a completed run.", statusCode: StatusCodes.Status409Conflict);
            try
            {
                var evaluation = await evaluations.GetAsync(run, cancellationToken);
                var items = truth is { } t ? ErrorGallery.Cell(evaluation, t, predicted!.Value) : ErrorGallery.Mistakes(evaluation);
                var page = items.Skip(skip ?? 0).Take(take ?? 60).Select(GalleryImage.From).ToList();
                return Results.Ok(new GalleryResponse(items.Count, page));
            }
            catch (Exception e) when (e is RunNotFoundException or RunNotEvaluableException or ArtifactDamagedException)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict);
            }
            catch (DatasetException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            catch (TorchWorkRejectedException e)
            {
                return e.ToResult();
            }
        })
        .WithTags("Gallery").WithName("GetGallery")
        .WithSummary("Test images of one confusion-matrix cell (truth and predicted) or every mistake, most confident first, with the model's confidence.");

        app.MapGet("/api/test-images/{index:int}.png", async (int index, DatasetProvider dataset, HttpContext http, CancellationToken cancellationToken) =>
        {
            FashionMnistData data;
            try
            {
                data = await dataset.GetAsync(cancellationToken);
            }
            catch (DatasetException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            if (index < 0 || index >= data.TestCount)
                return Results.Problem($"There is no test image {index}: indexes run from 0 to {data.TestCount - 1}.", statusCode: StatusCodes.Status404NotFound);
            const int size = FashionMnist.ImageSize * FashionMnist.ImageSize;
            // The test set never changes: let the browser keep thumbnails.
            http.Response.Headers.CacheControl = "public, max-age=86400, immutable";
            return Results.File(GrayscalePng.Encode(data.TestPixels.AsSpan(index * size, size), FashionMnist.ImageSize, FashionMnist.ImageSize), "image/png");
        })
        .WithTags("Gallery").WithName("GetTestImage").WithSummary("One Fashion-MNIST test image as a 28×28 grayscale PNG.");
        return app;
    }
}

/// <summary>One gallery image: its test-set index, classes and the model's confidence in its prediction.</summary>
public sealed record GalleryImage(int Index, int Truth, string TruthName, int Predicted, string PredictedName, float Confidence)
{
    public static GalleryImage From(GalleryItem item) =>
        new(item.Index, item.Truth, FashionMnist.ClassNames[item.Truth], item.Predicted, FashionMnist.ClassNames[item.Predicted], item.Confidence);
}

/// <summary>How many images match, and one page of them.</summary>
public sealed record GalleryResponse(int Total, IReadOnlyList<GalleryImage> Items);
