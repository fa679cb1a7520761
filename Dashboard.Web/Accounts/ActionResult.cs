using Dashboard.Training;

namespace Dashboard.Web.Accounts;

/// <summary>Why a run or study action did nothing; the API maps each to its status code, pages show the message.</summary>
public enum ActionFailure
{
    NotFound,
    /// <summary>The actor's role or ownership does not allow it (403).</summary>
    Forbidden,
    /// <summary>The run or study is not in a state that allows it (409).</summary>
    Conflict,
    /// <summary>The request itself is refused (400); <see cref="ActionError.Fields"/> names the fields when there are any.</summary>
    Invalid,
}

/// <summary>A refused action: what kind of refusal, a sentence for the user, and per-field errors for an invalid launch.</summary>
public sealed record ActionError(ActionFailure Kind, string Message, IReadOnlyList<ConfigError>? Fields = null)
{
    public static ActionError NotFound(string message) => new(ActionFailure.NotFound, message);

    public static ActionError Forbidden(string message) => new(ActionFailure.Forbidden, message);

    public static ActionError Conflict(string message) => new(ActionFailure.Conflict, message);

    public static ActionError Invalid(IReadOnlyList<ConfigError> fields) => new(ActionFailure.Invalid, string.Join(" ", fields.Select(f => f.Message)), fields);
}

/// <summary>What an action came to: its value (the run or study as it is now), or why nothing was done.</summary>
public sealed record ActionResult<T>(T? Value, ActionError? Error) where T : class
{
    public bool Succeeded => Error is null;

    public static implicit operator ActionResult<T>(T value) => new(value, null);

    public static implicit operator ActionResult<T>(ActionError error) => new(null, error);
}
