using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Web.Api;

/// <summary>A token as the API shows it: never its hash, and the secret only once, in <see cref="CreatedTokenResponse"/>.</summary>
public sealed record TokenSummary(
    Guid Id, string Owner, string Name, string Prefix, Role Role,
    DateTime CreatedUtc, DateTime? LastUsedUtc, DateTime? ExpiresUtc, DateTime? RevokedUtc, string? RevokedBy)
{
    public static TokenSummary From(ApiToken t) =>
        new(t.Id, t.Owner, t.Name, t.Prefix, t.Role, t.CreatedUtc, t.LastUsedUtc, t.ExpiresUtc, t.RevokedUtc, t.RevokedBy);
}

/// <summary>POST /api/tokens: a name, and optionally a role below one's own and an expiry (no expiry when null).</summary>
public sealed record CreateTokenRequest(string? Name, Role? Role = null, int? ExpiresInDays = null);

/// <summary>The new token; <see cref="Secret"/> is never shown again.</summary>
public sealed record CreatedTokenResponse(TokenSummary Token, string Secret);

public sealed record AuditListResponse(IReadOnlyList<AuditEntry> Items, int Total);

/// <summary>Personal API tokens under /api/tokens (any signed-in user, their own) and the audit log at /api/audit (admins).</summary>
public static class AccountsApi
{
    public const int MaxAuditPage = 500;
    private const int MaxActorLength = 200;

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").WithTags("Tokens");
        tokens.MapGet("/", ListTokens).WithName("ListTokens")
            .WithSummary("Your tokens, newest first (all=true: everyone's, for admins). Secrets are never listed.");
        tokens.MapPost("/", CreateToken).WithName("CreateToken")
            .WithSummary("Makes a token for you; the answer holds its secret, which is never shown again.");
        tokens.MapDelete("/{id:guid}", RevokeToken).WithName("RevokeToken")
            .WithSummary("Revokes a token: yours, or anyone's for admins. It is refused from the next request on.");

        app.MapGet("/api/audit", ListAudit).RequireAuthorization(Policies.Admin).WithTags("Audit").WithName("ListAudit")
            .WithSummary("A page of the audit log, newest first, optionally one actor's or one action's.");
        return app;
    }

    private static Results<Ok<List<TokenSummary>>, ProblemHttpResult> ListTokens(HttpContext http, TokenActions actions, bool? all)
    {
        var actor = Actor.From(http.User);
        if (all != true) return TypedResults.Ok(actions.Own(actor).Select(TokenSummary.From).ToList());
        return actions.Everyone(actor) is { } everyone
            ? TypedResults.Ok(everyone.Select(TokenSummary.From).ToList())
            : ApiProblem.Of(StatusCodes.Status403Forbidden, "Only admins list everyone's tokens; leave out all=true for yours.", "Not allowed");
    }

    private static Results<Created<CreatedTokenResponse>, ProblemHttpResult> CreateToken(CreateTokenRequest request, HttpContext http, TokenActions actions)
    {
        if (!actions.Needed) return ApiProblem.Conflict(TokenActions.NotNeeded);
        var (created, error) = actions.Create(Actor.From(http.User), request.Name, request.Role, request.ExpiresInDays, http.Connection.RemoteIpAddress?.ToString());
        return created is null
            ? ApiProblem.BadRequest(error!)
            : TypedResults.Created($"/api/tokens/{created.Token.Id}", new CreatedTokenResponse(TokenSummary.From(created.Token), created.Secret));
    }

    private static Results<NoContent, ProblemHttpResult> RevokeToken(Guid id, HttpContext http, TokenActions actions) =>
        actions.Revoke(Actor.From(http.User), id, http.Connection.RemoteIpAddress?.ToString()) switch
        {
            TokenRevocation.Revoked => TypedResults.NoContent(),
            TokenRevocation.Forbidden => ApiProblem.Of(StatusCodes.Status403Forbidden, $"Token {id} is another user's; only admins revoke others' tokens.", "Not allowed"),
            _ => ApiProblem.NotFound($"No token has the id {id}."),
        };

    private static Results<Ok<AuditListResponse>, ProblemHttpResult> ListAudit(AuditLog audit, int? skip, int? take, string? actor, string? action)
    {
        if (take is < 1 or > MaxAuditPage) return ApiProblem.BadRequest($"take must be between 1 and {MaxAuditPage}.");
        if (skip is < 0) return ApiProblem.BadRequest("skip must not be negative.");
        // Actors are user names (at most AccountService.MaxNameLength) or "local": a longer filter matches no one and is refused before the search.
        if (actor?.Length > MaxActorLength) return ApiProblem.BadRequest($"actor can have at most {MaxActorLength} characters.");
        if (!string.IsNullOrWhiteSpace(action) && !AuditActions.All.Contains(action))
            return ApiProblem.BadRequest($"Unknown action '{action}'. Actions: {string.Join(", ", AuditActions.All)}.");
        var (items, total) = audit.Query(skip ?? 0, take ?? 50, actor?.Trim(), action);
        return TypedResults.Ok(new AuditListResponse(items, total));
    }
}
