using Dashboard.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Security;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;

namespace Dashboard.Web.Api;

/// <summary>Studies under /api/studies: plan, launch, read, cancel.</summary>
public static class StudiesApi
{
    public static IEndpointRouteBuilder MapStudiesApi(this IEndpointRouteBuilder app)
    {
        var studies = app.MapGroup("/api/studies").WithTags("Studies");

        studies.MapGet("/", (StudyStore store) => store.List().Select(s => StudySummary.From(store.View(s))))
            .WithName("ListStudies").WithSummary("Every study, newest first, with its status derived from its runs.");

        studies.MapGet("/{id:guid}", (Guid id, StudyStore store) =>
            store.View(id) is { } view ? Results.Ok(StudyDetail.From(view)) : NotFound(id))
            .WithName("GetStudy").WithSummary("A study's design, groups and their runs' status and results; for a halving study, its rungs and decisions.");

        studies.MapGet("/presets/report", () => StudyDesign.ReportStudy)
            .WithName("ReportStudyPreset").WithSummary("The design that reproduces the report's Table 1 (9 groups).");

        studies.MapPost("/plan", (StudyDesign design) =>
            {
                var plan = StudyPlanner.Expand(design);
                return plan.IsValid
                    ? Results.Ok(plan)
                    : Results.ValidationProblem(Errors(plan.Errors), title: "The design cannot run.",
                        extensions: new Dictionary<string, object?> { ["runCount"] = plan.RunCount });
            })
            .WithName("PlanStudy").WithSummary("The runs a design would queue (200), or why it cannot run (400, per field); nothing is stored.");

        studies.MapPost("/", (StudyDesign design, StudyActions actions, StudyStore store, HttpContext http) =>
            actions.Launch(Actor.From(http.User), design) switch
            {
                { Value: { } study } => Results.Created($"/api/studies/{study.Id}", StudyDetail.From(store.View(study))),
                var refused => ApiProblem.For(refused.Error!, "The study was not started."),
            })
            .RequireAuthorization(Policies.Launch).RequireRateLimiting(RateLimits.Launch)
            .WithName("CreateStudy").WithSummary("Expands the design and queues its runs in group order (members and admins).");

        studies.MapPost("/{id:guid}/cancel", (Guid id, StudyActions actions, HttpContext http) =>
            actions.Cancel(Actor.From(http.User), id) switch
            {
                { Value: { } done } => Results.Accepted($"/api/studies/{id}", new { cancelled = done.Cancelled }),
                var refused => ApiProblem.For(refused.Error!),
            })
            .WithName("CancelStudy").WithSummary("Cancels every queued and running run of the study, and a halving study's trials waiting at a rung (its creator or an admin).");
        return app;
    }

    private static Dictionary<string, string[]> Errors(IEnumerable<ConfigError> errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());

    private static IResult NotFound(Guid id) => ApiProblem.NotFound($"No study has the id {id}.");
}

public sealed record StudySummary(Guid Id, string Name, DateTime CreatedUtc, StudyMode Mode, StudyStatus Status, StudyProgress Progress, string? CreatedBy)
{
    public static StudySummary From(StudyView v) => new(v.Study.Id, v.Study.Name, v.Study.CreatedUtc, v.Study.Design.Mode, v.Progress.Status, v.Progress, v.Study.CreatedBy);
}

public sealed record StudyMemberDetail(int Group, string Label, IReadOnlyList<StudyParameter> Varied, TrainingConfig Config, Guid RunId,
    RunStatus? Status, double? TrainingSeconds, double? Accuracy, double? MacroF1, ReportedFigures? Reported);

/// <summary>A study as the API shows it; a halving study adds its rungs' epochs and every rung result with its decision.</summary>
public sealed record StudyDetail(Guid Id, string Name, DateTime CreatedUtc, string? CreatedBy, StudyDesign Design, StudyStatus Status, StudyProgress Progress, IReadOnlyList<StudyMemberDetail> Members)
{
    /// <summary>Epochs of the rungs (halving studies; else empty).</summary>
    public IReadOnlyList<int> RungEpochs { get; init; } = [];
    /// <summary>Each trial's result at each rung it reached, with what became of it there, in the order they were reached.</summary>
    public IReadOnlyList<RungResult> Rungs { get; init; } = [];

    public static StudyDetail From(StudyView v) => new(v.Study.Id, v.Study.Name, v.Study.CreatedUtc, v.Study.CreatedBy, v.Study.Design, v.Progress.Status, v.Progress,
        v.Study.Members.OrderBy(m => m.Group).Select(m =>
        {
            var run = v.RunOf(m);
            return new StudyMemberDetail(m.Group, m.Label, m.Varied, m.Config, m.RunId, run?.Status, run?.TrainingSeconds, run?.Report?.Accuracy, run?.Report?.MacroAverage.F1, m.Reported);
        }).ToList())
    {
        RungEpochs = v.Study.Design.Mode == StudyMode.Halving ? v.Study.Design.Halving?.Rungs() ?? [] : [],
        Rungs = v.Study.Rungs,
    };
}
