using Dashboard.Web.Audit;
using Dashboard.Web.Studies;

namespace Dashboard.Web.Accounts;

/// <summary>
/// What a user does to studies, for the API and the pages: who may launch and cancel them, and the audit record
/// of each. The study's runs carry its creator, so <see cref="RunActions"/> lets the same people change them one by one.
/// </summary>
public sealed class StudyActions(StudyStore studies, StudyService service, AuditLog audit)
{
    /// <summary>Plans and queues a study created by <paramref name="actor"/>; the plan's errors when nothing was queued.</summary>
    public ActionResult<Study> Launch(Actor actor, StudyDesign design)
    {
        if (!actor.MayLaunch) return ActionError.Forbidden(Refusals.Launch(actor, "studies"));
        var result = service.Launch(design, actor.Name);
        if (result.Study is not { } study) return ActionError.Invalid(result.Plan.Errors);
        audit.Record(actor, AuditActions.StudyLaunch, study.Id.ToString(), $"{study.Name} ({study.Members.Count} runs)");
        return study;
    }

    /// <summary>Cancels every queued and running run of the study; the number cancelled.</summary>
    public ActionResult<StudyCancelled> Cancel(Actor actor, Guid id)
    {
        if (studies.Get(id) is not { } study) return ActionError.NotFound($"No study has the id {id}.");
        if (WhyNot(actor, study, "cancel") is { } why) return ActionError.Forbidden(why);
        var cancelled = service.Cancel(id) ?? 0;
        audit.Record(actor, AuditActions.StudyCancel, id.ToString(), $"{study.Name}: {cancelled} run(s) cancelled");
        return new StudyCancelled(study, cancelled);
    }

    /// <summary>Why <paramref name="actor"/> may not change <paramref name="study"/>, or null when they may.</summary>
    public static string? WhyNot(Actor actor, Study study, string verb) =>
        actor.MayChange(study.CreatedBy) ? null : Refusals.Change("study", study.CreatedBy, verb);
}

/// <summary>A cancelled study and how many of its runs the cancel stopped.</summary>
public sealed record StudyCancelled(Study Study, int Cancelled);
