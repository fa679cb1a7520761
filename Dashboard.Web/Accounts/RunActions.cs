using Dashboard.Training;
using Dashboard.Web.Audit;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;

namespace Dashboard.Web.Accounts;

/// <summary>
/// Everything a user does to runs, for the API and the pages alike: the one place that says who may launch,
/// cancel, resume, delete, tag and annotate (<see cref="Actor.MayLaunch"/>, <see cref="Actor.MayChange"/>) and
/// that records each done action in the audit log. Nothing is changed or recorded when an action is refused.
/// </summary>
public sealed class RunActions(RunStore store, TrainingService training, RunNotifier notifier, AuditLog audit)
{
    /// <summary>Validates, stores and queues a run created by <paramref name="actor"/>.</summary>
    public ActionResult<Run> Launch(Actor actor, TrainingConfig config, string? name = null)
    {
        if (!actor.MayLaunch) return ActionError.Forbidden(Refusals.Launch(actor, "runs"));
        var result = training.Launch(config, name, actor.Name);
        if (result.Run is not { } run) return ActionError.Invalid(result.Errors);
        audit.Record(actor, AuditActions.Launch, run.Id.ToString(), run.Name);
        return run;
    }

    /// <summary>Stores and queues an ensemble of completed runs; anyone who may launch may combine anyone's runs.</summary>
    public ActionResult<Run> CreateEnsemble(Actor actor, IReadOnlyList<Guid> memberIds, string? name = null)
    {
        if (!actor.MayLaunch) return ActionError.Forbidden(Refusals.Launch(actor, "ensembles"));
        var result = training.CreateEnsemble(memberIds, name, actor.Name);
        if (result.Run is not { } run)
        {
            // An unknown member is a missing run like any other; other refusals are the request's fault.
            var first = result.Errors[0];
            return first.Message.StartsWith("No run has the id", StringComparison.Ordinal) ? ActionError.NotFound(first.Message) : ActionError.Invalid(result.Errors);
        }
        audit.Record(actor, AuditActions.Ensemble, run.Id.ToString(), run.Name);
        return run;
    }

    /// <summary>Cancels a queued or running run; the run as it is after the cancel was requested.</summary>
    public ActionResult<Run> Cancel(Actor actor, Guid id)
    {
        var (run, refused) = Changeable(actor, id, "cancel");
        if (refused is not null) return refused;
        if (run!.IsFinished || !training.Cancel(id)) return ActionError.Conflict($"“{run.Name}” has already finished ({store.Get(id)?.Status ?? run.Status}).");
        audit.Record(actor, AuditActions.Cancel, id.ToString(), run.Name);
        return store.Get(id) ?? run;
    }

    /// <summary>Queues an interrupted or cancelled run again (from its checkpoint when there is one).</summary>
    public ActionResult<Run> Resume(Actor actor, Guid id)
    {
        if (Changeable(actor, id, "resume") is { Error: { } refused }) return refused;
        var result = training.Resume(id);
        if (result.Run is null) return NotFound(id);
        if (!result.Succeeded) return ActionError.Conflict(result.Error!);
        audit.Record(actor, AuditActions.Resume, id.ToString(), result.Run.Name);
        return result.Run;
    }

    /// <summary>Deletes a run that is not running, with its weights, and tells every page; the run as it was.</summary>
    public ActionResult<Run> Delete(Actor actor, Guid id)
    {
        var (run, refused) = Changeable(actor, id, "delete");
        if (refused is not null) return refused;
        switch (notifier.DeleteAndAnnounce(store, id))
        {
            case DeleteOutcome.Running:
                return ActionError.Conflict($"“{run!.Name}” is running: cancel it first, then delete it.");
            case DeleteOutcome.NotFound:
                return NotFound(id);
        }
        audit.Record(actor, AuditActions.Delete, id.ToString(), run!.Name);
        return run;
    }

    /// <summary>Replaces the run's tags (normalised by <see cref="RunTags"/>).</summary>
    public ActionResult<Run> SetTags(Actor actor, Guid id, IEnumerable<string?> tags)
    {
        if (Changeable(actor, id, "tag") is { Error: { } refused }) return refused;
        Run? run;
        try
        {
            run = store.SetTags(id, tags);
        }
        catch (ArgumentException e)
        {
            return new ActionError(ActionFailure.Invalid, e.Message);
        }
        if (run is null) return NotFound(id);
        audit.Record(actor, AuditActions.Tags, id.ToString(), run.Tags.Count == 0 ? "no tags" : "tags: " + string.Join(", ", run.Tags));
        return run;
    }

    /// <summary>Sets or clears (blank) the run's note.</summary>
    public ActionResult<Run> SetNote(Actor actor, Guid id, string? note)
    {
        if (Changeable(actor, id, "annotate") is { Error: { } refused }) return refused;
        Run? run;
        try
        {
            run = store.SetNote(id, note);
        }
        catch (ArgumentException e)
        {
            return new ActionError(ActionFailure.Invalid, e.Message);
        }
        if (run is null) return NotFound(id);
        audit.Record(actor, AuditActions.Note, id.ToString(), run.Note is null ? "note cleared" : $"note set ({run.Note.Length:N0} characters)");
        return run;
    }

    /// <summary>Whether <paramref name="actor"/> may change <paramref name="run"/>: for pages, to enable or explain their controls.</summary>
    public static string? WhyNot(Actor actor, Run run, string verb) =>
        actor.MayChange(run.CreatedBy) ? null : Refusals.Change("run", run.CreatedBy, verb);

    private ActionResult<Run> Changeable(Actor actor, Guid id, string verb)
    {
        if (store.Get(id) is not { } run) return NotFound(id);
        return WhyNot(actor, run, verb) is { } why ? ActionError.Forbidden(why) : run;
    }

    private static ActionError NotFound(Guid id) => ActionError.NotFound($"No run has the id {id}.");
}

/// <summary>The sentences that say why an actor may not do something, one wording for the API and the pages.</summary>
public static class Refusals
{
    public static string Launch(Actor actor, string what) => $"Only members and admins can launch {what}; your role is {actor.Role}.";

    public static string Change(string kind, string? owner, string verb) => owner is null
        ? $"Only an admin can {verb} this {kind}: it was created before accounts, so it has no owner."
        : $"Only the {kind}'s creator ({owner}) or an admin can {verb} it.";
}
