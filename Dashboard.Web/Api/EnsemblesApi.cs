using Dashboard.Web.Accounts;
using Dashboard.Web.Security;

namespace Dashboard.Web.Api;

/// <summary>POST /api/ensembles: combine completed runs into an ensemble, stored and listed like a run.</summary>
public static class EnsemblesApi
{
    public static IEndpointRouteBuilder MapEnsemblesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ensembles", (CreateEnsembleRequest request, RunActions actions, HttpContext http) =>
            actions.CreateEnsemble(Actor.From(http.User), request.RunIds ?? [], request.Name) switch
            {
                { Value: { } run } => Results.Created($"/api/runs/{run.Id}", run),
                var refused => ApiProblem.For(refused.Error!, "The ensemble was not created."),
            })
        .RequireAuthorization(Policies.Launch).RequireRateLimiting(RateLimits.Launch)
        .WithTags("Ensembles").WithName("CreateEnsemble")
        .WithSummary("Stores and queues an ensemble of 2–8 completed runs: its predictions are the mean of their softmax outputs on the test set.");
        return app;
    }
}

/// <summary>Body of POST /api/ensembles.</summary>
/// <param name="RunIds">2 to 8 distinct completed runs with weights.</param>
/// <param name="Name">Optional; by default "Ensemble of N: …" with the members' names.</param>
public sealed record CreateEnsembleRequest(IReadOnlyList<Guid>? RunIds, string? Name);
