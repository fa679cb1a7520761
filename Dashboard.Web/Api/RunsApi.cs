using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Security;
using Dashboard.Web.Storage;
using Dashboard.Web.Torch;
using Dashboard.Web.Training;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Web.Api;

/// <summary>REST endpoints for runs under /api/runs.</summary>
public static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs");

        runs.MapGet("/", (RunStore store, int? skip, int? take, string? sortBy, bool? descending, string? status, string? model, string? name, string? createdBy) =>
        {
            var filters = new List<RunFilter>();
            if (!string.IsNullOrWhiteSpace(status))
            {
                if (!Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed))
                    return Problem($"Unknown status '{status}'. Statuses: {string.Join(", ", Enum.GetNames<RunStatus>())}.");
                filters.Add(new RunFilter(RunFields.Status, FilterMatch.Equal, parsed));
            }
            if (!string.IsNullOrWhiteSpace(model)) filters.Add(new RunFilter(RunFields.Model, FilterMatch.Equal, model));
            if (!string.IsNullOrWhiteSpace(name)) filters.Add(new RunFilter(RunFields.Name, FilterMatch.Contains, name));
            if (!string.IsNullOrWhiteSpace(createdBy)) filters.Add(new RunFilter(RunFields.CreatedBy, FilterMatch.Equal, createdBy.Trim()));
            if (take is < 1 or > 500) return Problem("take must be between 1 and 500.");
            if (skip is < 0) return Problem("skip must not be negative.");
            try
            {
                var page = store.Query(new RunQuery
                {
                    Skip = skip ?? 0,
                    Take = take ?? 25,
                    SortBy = sortBy ?? RunFields.Created,
                    Descending = descending ?? true,
                    Filters = filters,
                });
                return Results.Ok(new RunListResponse(page.Items.Select(RunSummary.From).ToList(), page.Total));
            }
            catch (ArgumentException e)
            {
                return Problem(e.Message);
            }
        }).WithName("ListRuns").WithSummary("A page of runs, newest first by default.");

        runs.MapGet("/{id:guid}", Results<Ok<Run>, ProblemHttpResult> (Guid id, RunStore store) =>
            store.Get(id) is { } run ? TypedResults.Ok(run) : NotFoundRun(id))
            .WithName("GetRun").WithSummary("One run with its config, epochs, report and confusion matrix.");

        runs.MapPost("/", (CreateRunRequest request, RunActions actions, HttpContext http) =>
            actions.Launch(Actor.From(http.User), request.Config ?? new TrainingConfig(), request.Name) switch
            {
                { Value: { } run } => Results.Created($"/api/runs/{run.Id}", run),
                var refused => ApiProblem.For(refused.Error!, "The run was not created: the config is invalid."),
            })
            .RequireAuthorization(Policies.Launch).RequireRateLimiting(RateLimits.Launch)
            .WithName("CreateRun").WithSummary("Validates, stores and queues a run (members and admins).");

        runs.MapPost("/{id:guid}/cancel", (Guid id, RunActions actions, HttpContext http) =>
            actions.Cancel(Actor.From(http.User), id) is { Error: { } error } ? ApiProblem.For(error) : Results.Accepted($"/api/runs/{id}"))
            .WithName("CancelRun").WithSummary("Cancels a queued or running run (its creator or an admin).");

        runs.MapPost("/{id:guid}/resume", (Guid id, RunActions actions, HttpContext http) =>
            actions.Resume(Actor.From(http.User), id) switch
            {
                { Value: { } run } => Results.Accepted($"/api/runs/{id}", run),
                var refused => ApiProblem.For(refused.Error!),
            })
            .WithName("ResumeRun").WithSummary("Queues an interrupted or cancelled run again; it continues after its last finished epoch (its creator or an admin).");

        runs.MapDelete("/{id:guid}", (Guid id, RunActions actions, HttpContext http) =>
            actions.Delete(Actor.From(http.User), id) is { Error: { } error } ? ApiProblem.For(error) : Results.NoContent())
            .WithName("DeleteRun").WithSummary("Deletes a run that is not running, with its weights (its creator or an admin).");

        runs.MapGet("/{id:guid}/weights", async (Guid id, string? format, RunStore store, TorchWork torch, CancellationToken cancellationToken) =>
        {
            var run = store.Get(id);
            if (run is null) return NotFoundRun(id);
            byte[]? weights;
            try
            {
                weights = store.LoadWeights(id);
            }
            catch (ArtifactDamagedException e)
            {
                // Never served truncated or altered: the problem names what failed verification.
                return ApiProblem.Conflict(e.Message);
            }
            if (weights is null)
                return ApiProblem.Conflict(run.HasWeights
                    ? new ArtifactProblem(id, ArtifactKind.Weights, "they are missing (a half-written file is removed at start-up).").Describe()
                    : $"Run {id} has no weights ({run.Status}).");
            var fileBase = string.Concat(run.Name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
            switch (format?.ToLowerInvariant())
            {
                case null or "" or "torchsharp":
                    return Results.File(weights, "application/octet-stream", fileBase + ".tsm");
                case "pytorch" or "pt":
                    byte[] exported;
                    try
                    {
                        exported = await torch.RunAsync(() =>
                        {
                            using var model = ModelWeights.Load(ModelCatalog.Create(run.Config.Model), weights);
                            return ModelWeights.ExportPyTorch(model);
                        }, "weights export", cancellationToken);
                    }
                    catch (TorchWorkRejectedException e)
                    {
                        return e.ToResult();
                    }
                    return Results.File(exported, "application/octet-stream", fileBase + ".pt");
                default:
                    return Problem($"Unknown weights format '{format}': use torchsharp or pytorch.");
            }
        }).WithName("GetWeights").WithSummary("The final weights: format=torchsharp (default) or pytorch (a state_dict for torch.load).");

        app.MapGet("/api/models", () => ModelCatalog.All.Select(m => new
            {
                m.Name, m.Description, m.ParameterCount, m.TrainingBytesPerImage,
                MaxBatchSize = Math.Min(TrainingConfig.Limits.MaxBatchSize, m.MaxBatchSize(MachineCapacity.Current.MemoryBudgetBytes)),
            }))
            .WithTags("Models").WithName("ListModels").WithSummary("The models, with the estimated activation memory per training image and the largest batch this machine takes.");

        return app;
    }

    private static IResult Problem(string detail) => ApiProblem.BadRequest(detail);

    private static ProblemHttpResult NotFoundRun(Guid id) => ApiProblem.NotFound($"No run has the id {id}.");
}

/// <summary>Body of POST /api/runs. A missing config means the report's control group.</summary>
public sealed record CreateRunRequest(TrainingConfig? Config, string? Name);

public sealed record RunListResponse(IReadOnlyList<RunSummary> Items, int Total);

/// <summary>A run without its per-epoch metrics, report and matrix, for lists.</summary>
public sealed record RunSummary(Guid Id, string Name, RunStatus Status, string? StatusReason, TrainingConfig Config, double? Accuracy, double? MacroF1, double? TrainingSeconds, DateTime CreatedUtc, DateTime? FinishedUtc, string? CreatedBy)
{
    public static RunSummary From(Run r) => new(r.Id, r.Name, r.Status, r.StatusReason, r.Config, r.Accuracy, r.MacroF1, r.TrainingSeconds, r.CreatedUtc, r.FinishedUtc, r.CreatedBy);
}

/// <summary>The API's one error shape: RFC 7807 problem details, sent as application/problem+json.</summary>
public static class ApiProblem
{
    public static ProblemHttpResult Of(int status, string detail, string? title = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult BadRequest(string detail) => Of(StatusCodes.Status400BadRequest, detail);

    public static ProblemHttpResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, detail);

    public static ProblemHttpResult Conflict(string detail) => Of(StatusCodes.Status409Conflict, detail);

    public static ProblemHttpResult Forbidden(string detail) => Of(StatusCodes.Status403Forbidden, detail, "Not allowed");

    /// <summary>A refused run or study action as its problem; an invalid request with fields is a validation problem titled <paramref name="invalidTitle"/>.</summary>
    public static IResult For(ActionError error, string? invalidTitle = null) => error switch
    {
        { Kind: ActionFailure.NotFound } => NotFound(error.Message),
        { Kind: ActionFailure.Forbidden } => Forbidden(error.Message),
        { Kind: ActionFailure.Conflict } => Conflict(error.Message),
        { Fields.Count: > 0 } => Results.ValidationProblem(
            error.Fields.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()), title: invalidTitle),
        _ => BadRequest(error.Message),
    };
}
