using Dashboard.Web.Storage;

namespace Dashboard.Web.Api;

/// <summary>Tags and notes on runs: PUT /api/runs/{id}/tags, PUT /api/runs/{id}/note, GET /api/tags.</summary>
public static class AnnotationsApi
{
    public static IEndpointRouteBuilder MapAnnotationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/runs/{id:guid}/tags", (Guid id, TagsBody body, RunStore store) =>
        {
            if (body.Tags is { Count: > RunTags.MaxTagsSent } sent)
                return ApiProblem.BadRequest($"At most {RunTags.MaxTagsSent} tags can be sent at once (got {sent.Count:N0}); a run keeps at most {RunTags.MaxTags}.");
            try
            {
                return store.SetTags(id, body.Tags ?? []) is { } run ? Results.Ok(new TagsBody(run.Tags)) : NotFound(id);
            }
            catch (ArgumentException e)
            {
                return ApiProblem.BadRequest(e.Message);
            }
        }).WithTags("Runs").WithName("SetRunTags").WithSummary("Replaces a run's tags (trimmed, lower-case, spaces as '-', duplicates dropped).");

        app.MapPut("/api/runs/{id:guid}/note", (Guid id, NoteBody body, RunStore store) =>
        {
            try
            {
                return store.SetNote(id, body.Note) is { } run ? Results.Ok(new NoteBody(run.Note)) : NotFound(id);
            }
            catch (ArgumentException e)
            {
                return ApiProblem.BadRequest(e.Message);
            }
        }).WithTags("Runs").WithName("SetRunNote").WithSummary("Sets a run's free-text note; an empty note clears it.");

        app.MapGet("/api/tags", (RunStore store) => store.AllTags().Select(t => new TagCount(t.Tag, t.Count)))
            .WithTags("Runs").WithName("ListTags").WithSummary("Every tag in use and how many runs carry it, most used first.");
        return app;
    }

    private static IResult NotFound(Guid id) => ApiProblem.NotFound($"No run has the id {id}.");
}

public sealed record TagsBody(IReadOnlyList<string>? Tags);

public sealed record NoteBody(string? Note);

public sealed record TagCount(string Tag, int Count);
