using Dashboard.Web.Accounts;
using Dashboard.Web.Baselines;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Api;

/// <summary>GET, PUT and DELETE /api/baseline: the caller's pinned baseline run (docs/charts.md).</summary>
public static class BaselineApi
{
    public static IEndpointRouteBuilder MapBaselineApi(this IEndpointRouteBuilder app)
    {
        var baseline = app.MapGroup("/api/baseline").WithTags("Baseline").RequireAuthorization(Policies.View);

        baseline.MapGet("/", (BaselineStore baselines, HttpContext http) => Results.Ok(BaselineBody.Of(baselines.Get(Actor.From(http.User)))))
            .WithName("GetBaseline").WithSummary("The run you pinned as your baseline; runId is null when none is pinned.");

        baseline.MapPut("/", (PinBaselineRequest request, BaselineStore baselines, HttpContext http) =>
        {
            if (request.RunId is not { } id) return ApiProblem.BadRequest("runId is required: the id of a finished run to pin as your baseline.");
            return baselines.Pin(Actor.From(http.User), id) switch
            {
                { Value: { } run } => Results.Ok(BaselineBody.Of(run)),
                var refused => ApiProblem.For(refused.Error!),
            };
        }).WithName("PinBaseline").WithSummary("Pins a finished run as your baseline, replacing the one before.");

        baseline.MapDelete("/", (BaselineStore baselines, HttpContext http) =>
        {
            baselines.Unpin(Actor.From(http.User));
            return Results.NoContent();
        }).WithName("UnpinBaseline").WithSummary("Clears your baseline (nothing to clear is not an error).");
        return app;
    }
}

/// <summary>The run to pin.</summary>
public sealed record PinBaselineRequest(Guid? RunId);

/// <summary>Your baseline: null fields when none is pinned.</summary>
public sealed record BaselineBody(Guid? RunId, string? Name, double? Accuracy, double? MacroF1)
{
    public static BaselineBody Of(Run? run) => new(run?.Id, run?.Name, run?.Accuracy, run?.MacroF1);
}
