using Dashboard.Training;
using Dashboard.Training.Runtime;
using Dashboard.Web.Events;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Training;

/// <summary>
/// A run's life as users see it: launch, ensembles, resume and cancel, with their rules. What runs the queued
/// runs is an <see cref="IRunRunner"/>: this process (<see cref="InProcessRunner"/>) or training workers.
/// </summary>
public sealed class TrainingService(RunStore store, RunNotifier notifier, IRunRunner runner, ILaunchGate? launchGate = null)
{
    private readonly RunStore _store = store;
    private readonly RunNotifier _notifier = notifier;
    private readonly IRunRunner _runner = runner;
    private readonly ILaunchGate? _launchGate = launchGate;

    /// <summary>Fewest and most members of an ensemble.</summary>
    public const int MinEnsembleMembers = 2, MaxEnsembleMembers = Predictor.MaxRuns;

    /// <summary>Longest name a run or an ensemble may be given.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The run this process is training and its latest progress, or null when idle.</summary>
    public CurrentRun? Current => _runner.Current;

    /// <summary>Whether CUDA can be used, for the form to say so before launch.</summary>
    public static bool CudaAvailable => TorchRuntime.CudaAvailable;

    /// <summary>
    /// Validates, stores and queues a run made by <paramref name="createdBy"/> (RunActions checks that they may).
    /// Nothing is stored when the config is invalid or the queue is full. With <c>pauseAfterEpoch</c> (the first rung of
    /// a halving study) the run pauses after that epoch.
    /// </summary>
    public LaunchResult Launch(TrainingConfig config, string? name = null, string? createdBy = null, int? pauseAfterEpoch = null)
    {
        var errors = config.Validate(CudaAvailable);
        if (name is { Length: > MaxNameLength }) errors = [.. errors, NameTooLong(name)];
        if (errors.Count > 0) return new LaunchResult(null, errors);
        if (_launchGate?.LaunchRefusal() is { } full) return new LaunchResult(null, [new ConfigError("", full)]);
        return Enqueue(_store.Create(config, name, createdBy, pauseAfterEpoch));
    }

    /// <summary>
    /// Stores and queues an ensemble of 2–8 distinct completed runs with weights (not ensembles themselves).
    /// Nothing is stored when a member is refused.
    /// </summary>
    public LaunchResult CreateEnsemble(IReadOnlyList<Guid> memberIds, string? name = null, string? createdBy = null)
    {
        var error = memberIds.Count is < MinEnsembleMembers or > MaxEnsembleMembers
            ? $"An ensemble has {MinEnsembleMembers} to {MaxEnsembleMembers} members; {memberIds.Count} were given."
            : memberIds.Distinct().Count() != memberIds.Count ? "A run is listed more than once." : null;
        if (error is not null) return new LaunchResult(null, [new ConfigError("runIds", error)]);
        if (_launchGate?.LaunchRefusal() is { } full) return new LaunchResult(null, [new ConfigError("", full)]);
        var members = new List<Run>();
        foreach (var id in memberIds)
        {
            var member = _store.Get(id);
            error = member switch
            {
                null => $"No run has the id {id}.",
                { IsEnsemble: true } => $"“{member.Name}” is an ensemble itself; pick the runs it is made of instead.",
                _ => member.WhyNotUsableModel("can be ensemble members") is { } why ? $"“{member.Name}” {why}." : null,
            };
            if (error is not null) return new LaunchResult(null, [new ConfigError("runIds", error)]);
            members.Add(member!);
        }
        if (name is { Length: > MaxNameLength }) return new LaunchResult(null, [NameTooLong(name)]);
        return Enqueue(_store.CreateEnsemble(members, name, createdBy));
    }

    /// <summary>
    /// Queues an interrupted or cancelled run again. It continues after its last finished epoch from the
    /// checkpoint kept then; one that never finished an epoch (and an ensemble, which has no epochs) starts over.
    /// </summary>
    public ResumeResult Resume(Guid id)
    {
        var run = _store.Get(id);
        if (run is null) return new ResumeResult(null, $"No run has the id {id}.");
        if (run.Status is not (RunStatus.Interrupted or RunStatus.Cancelled))
            return new ResumeResult(run, $"Run “{run.Name}” is {run.Status}: only interrupted or cancelled runs can be resumed.");
        var hasCheckpoint = _store.HasCheckpoint(id);
        var reason = hasCheckpoint && run.Epochs.Count > 0
            ? $"Queued to resume after epoch {run.Epochs.Max(e => e.Epoch)}."
            : run.IsEnsemble ? "Queued to combine the members again."
            : run.Epochs.Count > 0 ? "Queued to start over: its checkpoint was removed." : "Queued to start over: no epoch had finished.";
        return Requeue(run, s => s is RunStatus.Interrupted or RunStatus.Cancelled, r => r with { StatusReason = reason });
    }

    /// <summary>
    /// Continues a run Paused at a rung of its halving study from its checkpoint, as <see cref="Resume"/> does, to
    /// <paramref name="pauseAfterEpoch"/> (the next rung; null for the end). Earlier epochs are not trained again.
    /// </summary>
    public ResumeResult Continue(Guid id, int? pauseAfterEpoch, string reason)
    {
        var run = _store.Get(id);
        if (run is null) return new ResumeResult(null, $"No run has the id {id}.");
        if (run.Status != RunStatus.Paused) return new ResumeResult(run, $"Run “{run.Name}” is {run.Status}: only a paused run continues from its rung.");
        return Requeue(run, s => s == RunStatus.Paused, r => r with { StatusReason = reason, PauseAfterEpoch = pauseAfterEpoch });
    }

    /// <summary>Queues <paramref name="run"/> again if its status is still one of <paramref name="allowed"/> (checked under the store's lock, so two clicks queue it once).</summary>
    private ResumeResult Requeue(Run run, Func<RunStatus, bool> allowed, Func<Run, Run> change)
    {
        if (_launchGate?.LaunchRefusal() is { } full) return new ResumeResult(run, full);
        var requeued = false;
        var updated = _store.Update(run.Id, r =>
        {
            requeued = allowed(r.Status);
            return requeued ? change(r) with { Status = RunStatus.Queued, FinishedUtc = null, Lease = null } : r;
        });
        if (updated is null || !requeued) return new ResumeResult(updated, "The run changed meanwhile; reload it.");
        if (_runner.Enqueue(run.Id) is { } refusal)
        {
            _store.Update(run.Id, r => r with { Status = run.Status, StatusReason = run.StatusReason, FinishedUtc = run.FinishedUtc, PauseAfterEpoch = run.PauseAfterEpoch });
            return new ResumeResult(run, refusal);
        }
        _notifier.Publish(new RunQueued(run.Id, run.Name));
        // Read again: the runner may have said why it waits (the workers' job queue unreachable).
        return new ResumeResult(_store.Get(run.Id) ?? updated, null);
    }

    private static ConfigError NameTooLong(string name) => new("name", $"A name has at most {MaxNameLength} characters (got {name.Length:N0}).");

    private LaunchResult Enqueue(Run run)
    {
        if (_runner.Enqueue(run.Id) is { } refusal)
        {
            // Taken back before anyone was told of it (no RunQueued yet), so there is no RunDeleted to publish.
            _store.Delete(run.Id);
            return new LaunchResult(null, [new ConfigError("", refusal)]);
        }
        _notifier.Publish(new RunQueued(run.Id, run.Name));
        return new LaunchResult(_store.Get(run.Id) ?? run, []);
    }

    /// <summary>Cancels a queued or running run, wherever it runs. False if it does not exist or has already finished.</summary>
    public bool Cancel(Guid id) => _runner.Cancel(id);
}

/// <summary>The run in training and its latest batch progress (null before the first report).</summary>
public sealed record CurrentRun(Guid RunId, BatchProgress? Progress);

/// <summary>The run queued again, or why it was not (<see cref="Error"/> set; <see cref="Run"/> null when it does not exist).</summary>
public sealed record ResumeResult(Run? Run, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>The stored run, or the reasons nothing was stored.</summary>
public sealed record LaunchResult(Run? Run, IReadOnlyList<ConfigError> Errors)
{
    public bool Succeeded => Run is not null;
}
