using Dashboard.Training;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;

namespace Dashboard.Web.Studies;

/// <summary>The launched study, or the plan that says why nothing was launched.</summary>
public sealed record StudyLaunchResult(Study? Study, StudyPlan Plan)
{
    public bool Succeeded => Study is not null;
}

/// <summary>Launches studies as ordinary runs through the training queue, and cancels them as a whole.</summary>
public sealed class StudyService(StudyStore studies, RunStore runs, TrainingService training, RunNotifier notifier, HalvingCoordinator halving, ILogger<StudyService> logger)
{
    /// <summary>
    /// Queues the control and every variant in group order, then stores the study. If a run cannot be
    /// queued (a full queue), the runs queued so far are cancelled and removed, and nothing is stored.
    /// <paramref name="createdBy"/> is recorded on the study and on each of its runs.
    /// </summary>
    public StudyLaunchResult Launch(StudyDesign design, string? createdBy = null)
    {
        var plan = StudyPlanner.Expand(design);
        var device = design.Control.Validate(TrainingService.CudaAvailable).Where(e => e.Field == nameof(TrainingConfig.Device)).ToList();
        if (device.Count > 0) plan = plan with { Errors = [.. plan.Errors, .. device.Select(e => e with { Field = "Control.Device" })] };
        if (!plan.IsValid) return new StudyLaunchResult(null, plan);

        var id = Guid.NewGuid();
        var name = string.IsNullOrWhiteSpace(design.Name) ? $"Study {DateTime.Now:yyyy-MM-dd HH:mm}" : design.Name.Trim();
        var members = new List<StudyMember>();
        // A halving study's trials pause at the first rung; the coordinator takes them on from there.
        int? firstRung = plan.Rungs.Count > 0 ? plan.Rungs[0] : null;
        foreach (var group in plan.Groups)
        {
            var launched = training.Launch(group.Config, $"{name} · {group.Group} {group.Label}", createdBy, firstRung);
            if (launched.Run is not { } run)
            {
                RollBack(members);
                return new StudyLaunchResult(null, plan with { Errors = launched.Errors });
            }
            runs.SetStudy(run.Id, id, group.Group);
            members.Add(new StudyMember
            {
                Group = group.Group,
                RunId = run.Id,
                Label = group.Label,
                Varied = [.. group.Varied],
                Config = group.Config,
                Reported = group.Reported,
            });
        }
        var study = new Study { Id = id, Name = name, CreatedUtc = DateTime.UtcNow, CreatedBy = createdBy, Design = design with { Name = name }, Members = members };
        try
        {
            studies.Insert(study);
        }
        catch (DiskFullException)
        {
            // Room for the runs but none left for the study: take the runs back, so a failed launch leaves nothing queued.
            RollBack(members);
            throw;
        }
        // A trial may have reached its first rung before the study was stored.
        if (design.Mode == StudyMode.Halving) halving.Signal(id);
        logger.LogInformation("Study {StudyId} '{Name}' queued {Count} runs", id, name, members.Count);
        return new StudyLaunchResult(study, plan);
    }

    /// <summary>
    /// Cancels every queued and running run of the study, and a halving study's trials waiting at a rung; null if there
    /// is no such study, else how many were cancelled.
    /// </summary>
    public int? Cancel(Guid id)
    {
        if (studies.Get(id) is null) return null;
        // First, so that no trial is promoted while the others are being cancelled.
        var paused = halving.Cancel(id);
        var view = studies.View(id)!;
        // Queued ones first: cancelling the running one first would let the queue start the next member.
        var unfinished = view.Study.Members.Select(view.RunOf).OfType<Run>().Where(r => !r.IsFinished)
            .OrderBy(r => r.Status == RunStatus.Running).ToList();
        return paused + unfinished.Count(r => training.Cancel(r.Id));
    }

    private void RollBack(List<StudyMember> members)
    {
        foreach (var member in members)
        {
            training.Cancel(member.RunId);
            notifier.DeleteAndAnnounce(runs, member.RunId);
        }
    }
}
