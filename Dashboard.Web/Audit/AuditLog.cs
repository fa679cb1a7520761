using Dashboard.Web.Accounts;
using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Audit;

/// <summary>One thing someone did: who, what, to what, when, and from which address.</summary>
public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTime TimeUtc { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    /// <summary>What it was done to: a run or study id, a user name, a token's name; empty for a sign-in.</summary>
    public string Target { get; init; } = "";
    public string? Detail { get; init; }
    public string? Address { get; init; }
}

/// <summary>The actions the log records, as stored and filtered on.</summary>
public static class AuditActions
{
    public const string
        Launch = "run.launch", Ensemble = "run.ensemble", Cancel = "run.cancel", Resume = "run.resume", Delete = "run.delete",
        Tags = "run.tags", Note = "run.note",
        StudyLaunch = "study.launch", StudyCancel = "study.cancel", StudyDelete = "study.delete",
        SignIn = "signin", SignInFailed = "signin.failed", SignOut = "signout",
        TokenCreate = "token.create", TokenRevoke = "token.revoke",
        UserAdd = "user.add", UserRole = "user.role", UserPassword = "user.password", UserDisable = "user.disable", UserEnable = "user.enable",
        UserUnlock = "user.unlock";

    /// <summary>Every action, for filters and for checking an action asked for.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        SignIn, SignInFailed, SignOut, TokenCreate, TokenRevoke, UserAdd, UserRole, UserPassword, UserDisable, UserEnable, UserUnlock,
        Launch, Ensemble, Cancel, Resume, Delete, Tags, Note, StudyLaunch, StudyCancel, StudyDelete,
    ];
}

/// <summary>
/// The audit log, in the "audit" collection of the dashboard's database. Bounded: past <see cref="MaxEntries"/>
/// the oldest entries are removed, so a flood of failed sign-ins cannot fill the disk.
/// </summary>
public sealed class AuditLog
{
    public const int MaxEntries = 200_000;
    private const int TrimEvery = 1_000;
    private readonly RunStore _runs;
    private readonly TimeProvider _clock;
    private readonly ILogger<AuditLog> _logger;
    private int _sinceTrim;

    public AuditLog(RunStore runs, TimeProvider clock, ILogger<AuditLog> logger)
    {
        _runs = runs;
        _clock = clock;
        _logger = logger;
        Write(entries =>
        {
            entries.EnsureIndex(e => e.TimeUtc);
            entries.EnsureIndex(e => e.Actor);
            return entries.EnsureIndex(e => e.Action);
        });
    }

    private const string Collection = "audit";

    private ILiteCollection<AuditEntry> Entries => _runs.GetCollection<AuditEntry>(Collection);

    // Through the store's rule for writes, so that a full disk rolls the entry back and reopens the database as for any other write.
    private T Write<T>(Func<ILiteCollection<AuditEntry>, T> work) => _runs.WriteTo(Collection, work);

    /// <summary>Records an action. A failure to record (a full disk) is logged, never thrown: the action already happened.</summary>
    public void Record(Actor actor, string action, string target = "", string? detail = null, string? address = null) =>
        Record(actor.Name, action, target, detail, address);

    public void Record(string actor, string action, string target = "", string? detail = null, string? address = null)
    {
        var entry = new AuditEntry { TimeUtc = _clock.GetUtcNow().UtcDateTime, Actor = actor, Action = action, Target = target, Detail = detail, Address = address };
        try
        {
            Write(entries => entries.Insert(entry));
            if (Interlocked.Increment(ref _sinceTrim) >= TrimEvery) Trim();
        }
        catch (Exception e) when (e is LiteException or IOException)
        {
            _logger.LogError(e, "Could not record {Action} by {Actor} on {Target} in the audit log", action, actor, target);
        }
    }

    private void Trim()
    {
        _sinceTrim = 0;
        Write(entries =>
        {
            var excess = entries.Count() - MaxEntries;
            if (excess <= 0) return 0;
            return entries.Query().OrderBy(e => e.Id).Skip(excess).Limit(1).ToList() is [var oldestKept]
                ? entries.DeleteMany(e => e.Id < oldestKept.Id)
                : 0;
        });
    }

    /// <summary>A page of entries, newest first, optionally only one actor's or one action's.</summary>
    public (IReadOnlyList<AuditEntry> Items, int Total) Query(int skip, int take, string? actor = null, string? action = null)
    {
        var query = Entries.Query();
        if (!string.IsNullOrWhiteSpace(actor)) query = query.Where(e => e.Actor == actor);
        if (!string.IsNullOrWhiteSpace(action)) query = query.Where(e => e.Action == action);
        var total = query.Count();
        return (query.OrderByDescending(e => e.Id).Skip(skip).Limit(take).ToList(), total);
    }
}
