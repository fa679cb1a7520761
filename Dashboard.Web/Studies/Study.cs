using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Studies;

/// <summary>
/// A study as stored: its design and which run is which group. Its status is not stored: it is
/// derived from its runs (<see cref="StudyProgress"/>), which carry their own.
/// </summary>
public sealed record Study
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public DateTime CreatedUtc { get; init; }
    /// <summary>The user who launched it; null on studies stored before accounts.</summary>
    public string? CreatedBy { get; init; }
    public StudyDesign Design { get; init; } = new();
    public List<StudyMember> Members { get; init; } = [];
    /// <summary>A halving study's rung results and decisions, in the order they were recorded (<see cref="HalvingCoordinator"/>).</summary>
    public List<RungResult> Rungs { get; init; } = [];
    /// <summary>When the study was cancelled: a halving study takes no more decisions.</summary>
    public DateTime? CancelledUtc { get; init; }

    public StudyMember? Control => Members.FirstOrDefault(m => m.Group == 1);
}

/// <summary>One group of a study and the run that trains it.</summary>
public sealed record StudyMember
{
    public int Group { get; init; }
    public Guid RunId { get; init; }
    public string Label { get; init; } = "";
    public List<StudyParameter> Varied { get; init; } = [];
    /// <summary>The planned config, kept so the settings table survives a deleted run.</summary>
    public TrainingConfig Config { get; init; } = new();
    public ReportedFigures? Reported { get; init; }
}

public enum StudyStatus
{
    /// <summary>No run has started.</summary>
    Queued,
    /// <summary>Some runs are queued, running or paused at a rung.</summary>
    Running,
    /// <summary>Every run completed (in a halving study: completed or stopped early by the rule).</summary>
    Completed,
    /// <summary>Every run finished and at least one was cancelled.</summary>
    Cancelled,
    /// <summary>Every run finished; some failed, diverged, were interrupted or deleted.</summary>
    Incomplete,
}

/// <summary>
/// How far a study's runs have got; a deleted run counts as failed. A run Paused at a rung is not finished for its
/// study (it waits for a decision); one stopped early by the halving rule is, as a completed one.
/// </summary>
public sealed record StudyProgress(int Total, int Queued, int Running, int Completed, int Cancelled, int Failed, int Paused = 0, int StoppedEarly = 0)
{
    public int Finished => Completed + StoppedEarly + Cancelled + Failed;

    public StudyStatus Status => this switch
    {
        { Running: > 0 } or { Paused: > 0 } => StudyStatus.Running,
        { Queued: > 0 } when Finished == 0 => StudyStatus.Queued,
        { Queued: > 0 } => StudyStatus.Running,
        _ when Completed + StoppedEarly == Total => StudyStatus.Completed,
        { Cancelled: > 0 } => StudyStatus.Cancelled,
        _ => StudyStatus.Incomplete,
    };

    public bool IsFinished => Queued == 0 && Running == 0 && Paused == 0;

    /// <param name="statuses">One per member; null for a run that no longer exists.</param>
    public static StudyProgress From(IReadOnlyCollection<RunStatus?> statuses) => new(
        statuses.Count,
        statuses.Count(s => s == RunStatus.Queued),
        statuses.Count(s => s == RunStatus.Running),
        statuses.Count(s => s == RunStatus.Completed),
        statuses.Count(s => s == RunStatus.Cancelled),
        statuses.Count(s => s is null or RunStatus.Failed or RunStatus.Diverged or RunStatus.Interrupted),
        statuses.Count(s => s == RunStatus.Paused),
        statuses.Count(s => s == RunStatus.StoppedEarly));
}

/// <summary>A study with its member runs as they are now.</summary>
public sealed record StudyView(Study Study, IReadOnlyDictionary<Guid, Run> Runs)
{
    public StudyProgress Progress { get; } = StudyProgress.From(Study.Members.Select(m => Runs.GetValueOrDefault(m.RunId)?.Status).ToList());

    public Run? RunOf(StudyMember member) => Runs.GetValueOrDefault(member.RunId);
}
