using Dashboard.Web.Accounts;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Api;

/// <summary>Tags and notes on runs: PUT /api/runs/{id}/tags, PUT /api/runs/{id}/note, GET /api/tags.</summary>
public static class AnnotationsApi
{
    public static IEndpointRouteBuilder MapAnnotationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/runs/{id:guid}/tags", (Guid id, TagsBody body, RunActions actions, HttpContext http) =>
        {
            if (body.Tags is { Count: > RunTags.MaxTagsSent } sent)
                return ApiProblem.BadRequest($"At most {RunTags.MaxTagsSent} tags can be sent at once (got {sent.Count:N0}); a run keeps at most {RunTags.MaxTags}.");
            return actions.SetTags(Actor.From(http.User), id, body.Tags ?? []) switch
            {
                { Value: { } run } => Results.Ok(new TagsBody(run.Tags)),
                var refused => ApiProblem.For(refused.Error!),
            };
        }).WithTags("Runs").WithName("SetRunTags").WithSummary("Replaces a run's tags (trimmed, lower-case, spaces as '-', duplicates dropped).");

        app.MapPut("/api/runs/{id:guid}/note", (Guid id, NoteBody body, RunActions actions, HttpContext http) =>
            actions.SetNote(Actor.From(http.User), id, body.Note) switch
            {
                { Value: { } run } => Results.Ok(new NoteBody(run.Note)),
                var refused => ApiProblem.For(refused.Error!),
            }).WithTags("Runs").WithName("SetRunNote").WithSummary("Sets a run's free-text note; an empty note clears it.");

        app.MapGet("/api/tags", (RunStore store) => store.AllTags().Select(t => new TagCount(t.Tag, t.Count)))
            .WithTags("Runs").WithName("ListTags").WithSummary("Every tag in use and how many runs carry it, most used first.");
        return app;
    }
}

public sealed record TagsBody(IReadOnlyList<string>? Tags);

public sealed record NoteBody(string? Note);

public sealed record TagCount(string Tag, int Count);
