using Dashboard.Web.Accounts;
using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Baselines;

/// <summary>A user's pinned baseline, in the "baselines" collection: one document per user, keyed by the user's name key.</summary>
public sealed record PinnedBaseline
{
    /// <summary><see cref="UserStore.Key"/> of the user (Local mode: "local").</summary>
    public string Id { get; init; } = "";
    public Guid RunId { get; init; }
    public DateTime PinnedUtc { get; init; }
}

/// <summary>
/// The run each user measures others against: pinned from the runs grid, shown at its top with deltas, and always part of
/// the compare page. One per user (Local mode's one user is "local"); a personal view setting, so anyone who may view
/// may pin, and nothing is audited. Only finished runs can be pinned (a running run's figures still move). When the
/// pinned run is deleted the pin is cleared: <see cref="Get"/> finds the run gone and removes the pin.
/// </summary>
public sealed class BaselineStore(RunStore runs)
{
    private const string Collection = "baselines";

    // Asked for at each use: the run store reopens the database after a write fails on a full disk.
    private ILiteCollection<PinnedBaseline> Pins => runs.GetCollection<PinnedBaseline>(Collection);

    // Through the store's rule for writes: one transaction under its write lock (so a check and the write it guards
    // cannot interleave with another), and on a full disk nothing kept, the database reopened and DiskFullException thrown.
    private T Write<T>(Func<ILiteCollection<PinnedBaseline>, T> work) => runs.WriteTo(Collection, work);

    /// <summary>The actor's baseline run as it is now, or null when none is pinned (or the pinned run was deleted).</summary>
    public Run? Get(Actor actor)
    {
        if (actor.Name.Length == 0) return null;
        var key = UserStore.Key(actor.Name);
        if (Pins.FindById(key) is not { } pin) return null;
        if (runs.Get(pin.RunId) is { } run) return run;
        try
        {
            // Unless it was re-pinned to another run meanwhile.
            Write(pins => pins.FindById(key) is { } current && current.RunId == pin.RunId && pins.Delete(key));
        }
        catch (DiskFullException)
        {
            // A read must not fail on a full disk: the stale pin is found and removed again at a later read.
        }
        return null;
    }

    /// <summary>Pins <paramref name="runId"/> as the actor's baseline, replacing any other; the run pinned.</summary>
    public ActionResult<Run> Pin(Actor actor, Guid runId)
    {
        if (actor.Name.Length == 0) return ActionError.Forbidden("Sign in to pin a baseline.");
        if (runs.Get(runId) is not { } run) return ActionError.NotFound($"No run has the id {runId}.");
        if (!run.IsFinished)
            return ActionError.Conflict($"“{run.Name}” is still {run.Status.ToString().ToLowerInvariant()}: pin it as the baseline once it finishes.");
        Write(pins => pins.Upsert(new PinnedBaseline { Id = UserStore.Key(actor.Name), RunId = runId, PinnedUtc = DateTime.UtcNow }));
        return run;
    }

    /// <summary>Clears the actor's baseline; false when none was pinned.</summary>
    public bool Unpin(Actor actor)
    {
        if (actor.Name.Length == 0) return false;
        return Write(pins => pins.Delete(UserStore.Key(actor.Name)));
    }
}
