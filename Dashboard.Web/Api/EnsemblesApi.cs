using Dashboard.Web.Training;

namespace Dashboard.Web.Api;

/// <summary>POST /api/ensembles: combine completed runs into an ensemble, stored and listed like a run.</summary>
public static class EnsemblesApi
{
    public static IEndpointRouteBuilder MapEnsemblesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ensembles", (CreateEnsembleRequest request, TrainingService training) =>
        {
            var result = training.CreateEnsemble(request.RunIds ?? [], request.Name);
            if (result.Run is { } run) return Results.Created($"/api/runs/{run.Id}", run);
            var error = result.Errors[0];
            // An unknown member is a 404, like every unknown run id; other refusals are the request's fault.
            return error.Message.StartsWith("No run has the id", StringComparison.Ordinal)
                ? Results.Problem(error.Message, statusCode: StatusCodes.Status404NotFound)
                : Results.ValidationProblem(result.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                    title: "The ensemble was not created.");
        })
        .WithTags("Ensembles").WithName("CreateEnsemble")
        .WithSummary("Stores and queues an ensemble of 2–8 completed runs: its predictions are the mean of their softmax outputs on the test set.");
        return app;
    }
}

/// <summary>Body of POST /api/ensembles.</summary>
/// <param name="RunIds">2 to 8 distinct completed runs with weights.</param>
/// <param name="Name">Optional; by default "Ensemble of N: …" with the members' names.</param>
public sealed record CreateEnsembleRequest(IReadOnlyList<Guid>? RunIds, string? Name);
