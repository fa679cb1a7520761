using Dashboard.Training;
using Dashboard.Training.Evaluation;

namespace Dashboard.Web.Storage;

/// <summary>Lifecycle of a run. Only Queued and Running are unfinished for the queue (a Paused run waits outside it).</summary>
public enum RunStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    Interrupted,
    Diverged,
    /// <summary>
    /// Waiting at a rung of a halving study: trained to its <see cref="Run.PauseAfterEpoch"/>, with that epoch's report
    /// and its checkpoint kept. The study's coordinator either continues it or stops it (<see cref="StoppedEarly"/>).
    /// </summary>
    Paused,
    /// <summary>Stopped for good at a rung of a halving study, with its curves and the report of its last epoch; the reason says why.</summary>
    StoppedEarly,
}

/// <summary>One training run as stored: config, status, per-epoch metrics and results. Weights live in file storage.</summary>
public sealed record Run
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public TrainingConfig Config { get; init; } = new();
    public RunStatus Status { get; init; }
    /// <summary>Why the run failed, was cancelled, interrupted or diverged.</summary>
    public string? StatusReason { get; init; }
    public DateTime CreatedUtc { get; init; }
    /// <summary>The user who launched it (a study's runs: the study's creator; Local mode: "local"); null on runs stored before accounts.</summary>
    public string? CreatedBy { get; init; }
    public DateTime? StartedUtc { get; init; }
    public DateTime? FinishedUtc { get; init; }
    /// <summary>Appended as each epoch ends, so a crash keeps every finished epoch.</summary>
    public List<EpochMetrics> Epochs { get; init; } = [];
    public ClassificationReport? Report { get; init; }
    public ConfusionMatrix? Confusion { get; init; }
    public double? TrainingSeconds { get; init; }
    public RunEnvironment? Environment { get; init; }
    public bool HasWeights { get; init; }

    // Copies of report figures, so the runs grid can sort and filter on indexed fields.
    public double? Accuracy { get; init; }
    public double? MacroF1 { get; init; }

    /// <summary>Lower-case labels, normalised by <see cref="RunTags.Normalize(IEnumerable{string?})"/>.</summary>
    public List<string> Tags { get; init; } = [];
    public string? Note { get; init; }
    /// <summary>The study this run belongs to, and its group there (1 = control).</summary>
    public Guid? StudyId { get; init; }
    public int? StudyGroup { get; init; }

    /// <summary>
    /// For an ensemble: the completed runs whose mean softmax it predicts with. An ensemble is not trained;
    /// its config only names the model "Ensemble", and its report is that of the members' combined predictions.
    /// </summary>
    public List<Guid>? EnsembleMembers { get; init; }

    /// <summary>The training worker that claimed the run (null when this process trains it).</summary>
    public string? Worker { get; init; }

    /// <summary>
    /// The epoch its next training session pauses after (<see cref="RunStatus.Paused"/>): a rung of its halving
    /// study. Null trains to the end. Goes with the run to whoever trains it (in-process, or a worker's claim).
    /// </summary>
    public int? PauseAfterEpoch { get; init; }
    /// <summary>
    /// The worker's current claim: its reports must quote it. A new claim (after the worker was lost) replaces
    /// it, so the old worker's reports are refused and a run never trains on two workers at once.
    /// </summary>
    public Guid? Lease { get; init; }

    /// <summary>
    /// Training:Mode = Workers: Queued in this database but not yet handed to the workers' job queue, because PostgreSQL
    /// could not be reached; <c>JobQueueHealth</c> hands it over once it can (decision 0026).
    /// </summary>
    public bool AwaitsJobQueue { get; init; }

    [LiteDB.BsonIgnore]
    public bool IsEnsemble => EnsembleMembers is { Count: > 0 };

    [LiteDB.BsonIgnore]
    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    /// <summary>
    /// The one rule for "completed with weights": whether this run can serve as a model, to predict, be
    /// evaluated (error gallery) or join an ensemble. Only a completed run's weights are final, and a completed
    /// run may still have none (stored before weights were kept, or lost). An ensemble has no weights of its own:
    /// it needs only to have completed, and its members answer for theirs when it is used.
    /// </summary>
    [LiteDB.BsonIgnore]
    public bool IsUsableModel => Status == RunStatus.Completed && (IsEnsemble || HasWeights);

    /// <summary>Why this run is not a <see cref="IsUsableModel">usable model</see>, worded to follow its name; null when it is.</summary>
    /// <param name="completedRunsCan">What completed runs may do, for the message: "can predict".</param>
    public string? WhyNotUsableModel(string completedRunsCan) =>
        IsUsableModel ? null
        : Status != RunStatus.Completed ? $"is {Status}: only completed runs {completedRunsCan}"
        : "has no stored weights";
}
