using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Runtime;
using Dashboard.Web.Evaluation;
using Dashboard.Web.Operations;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Training;

/// <summary>
/// Runs queued runs one at a time (TorchSharp's thread count is process-wide). Registered as a
/// singleton and as the hosted service, so pages can read <see cref="Current"/> and cancel runs.
/// A run's failure is recorded on that run and the service goes on with the queue. Ensembles go through
/// the same queue: they are not trained, but their members' predictions are combined in order with runs.
/// </summary>
public sealed class TrainingService : BackgroundService
{
    private readonly Channel<Guid> _queue;
    private readonly RunStore _store;
    private readonly RunNotifier _notifier;
    private readonly DatasetProvider _dataset;
    private readonly RunEvaluations _evaluations;
    private readonly ILogger<TrainingService> _logger;
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _cancellations = new();
    private readonly Lock _startLock = new();
    private volatile CurrentRun? _current;
    private readonly StorageCap? _storageCap;
    // Every run trains on this one thread: a new thread per run left a grown malloc arena behind each time (decision 0016).
    private readonly DedicatedTorchThread _trainingThread = new("training");

    /// <summary>Fewest and most members of an ensemble.</summary>
    public const int MinEnsembleMembers = 2, MaxEnsembleMembers = Predictor.MaxRuns;

    /// <summary>Longest name a run or an ensemble may be given.</summary>
    public const int MaxNameLength = 200;

    public TrainingService(RunStore store, RunNotifier notifier, DatasetProvider dataset, RunEvaluations evaluations, IOptions<TrainingOptions> options, ILogger<TrainingService> logger, StorageCap? storageCap = null)
    {
        _storageCap = storageCap;
        _store = store;
        _notifier = notifier;
        _dataset = dataset;
        _evaluations = evaluations;
        _logger = logger;
        _queue = Channel.CreateBounded<Guid>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });
    }

    /// <summary>The run being trained and its latest progress, or null when idle.</summary>
    public CurrentRun? Current => _current;

    /// <summary>Whether CUDA can be used, for the form to say so before launch.</summary>
    public static bool CudaAvailable => TorchRuntime.CudaAvailable;

    /// <summary>
    /// Validates, stores and queues a run made by <paramref name="createdBy"/> (RunActions checks that they may).
    /// Nothing is stored when the config is invalid or the queue is full.
    /// </summary>
    public LaunchResult Launch(TrainingConfig config, string? name = null, string? createdBy = null)
    {
        var errors = config.Validate(CudaAvailable);
        if (name is { Length: > MaxNameLength }) errors = [.. errors, NameTooLong(name)];
        if (errors.Count > 0) return new LaunchResult(null, errors);
        if (_storageCap?.LaunchRefusal() is { } full) return new LaunchResult(null, [new ConfigError("", full)]);
        return Enqueue(_store.Create(config, name, createdBy));
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
        if (_storageCap?.LaunchRefusal() is { } full) return new LaunchResult(null, [new ConfigError("", full)]);
        var members = new List<Run>();
        foreach (var id in memberIds)
        {
            var member = _store.Get(id);
            error = member switch
            {
                null => $"No run has the id {id}.",
                { IsEnsemble: true } => $"“{member.Name}” is an ensemble itself; pick the runs it is made of instead.",
                { Status: not RunStatus.Completed } => $"“{member.Name}” is {member.Status}: only completed runs can be ensemble members.",
                { HasWeights: false } => $"“{member.Name}” has no stored weights.",
                _ => null,
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
        if (_storageCap?.LaunchRefusal() is { } full) return new ResumeResult(run, full);
        var hasCheckpoint = _store.HasCheckpoint(id);
        var reason = hasCheckpoint && run.Epochs.Count > 0
            ? $"Queued to resume after epoch {run.Epochs.Max(e => e.Epoch)}."
            : run.IsEnsemble ? "Queued to combine the members again."
            : run.Epochs.Count > 0 ? "Queued to start over: its checkpoint was removed." : "Queued to start over: no epoch had finished.";
        // Checked again under the store's lock, so two clicks queue it once.
        var resumable = false;
        var updated = _store.Update(id, r =>
        {
            resumable = r.Status is RunStatus.Interrupted or RunStatus.Cancelled;
            return resumable ? r with { Status = RunStatus.Queued, StatusReason = reason, FinishedUtc = null } : r;
        });
        if (updated is null || !resumable) return new ResumeResult(updated, "The run changed meanwhile; reload it.");
        if (!_queue.Writer.TryWrite(id))
        {
            _store.Update(id, r => r with { Status = run.Status, StatusReason = run.StatusReason, FinishedUtc = run.FinishedUtc });
            return new ResumeResult(run, "The training queue is full; wait for queued runs to finish or cancel some.");
        }
        _notifier.Publish(new RunQueued(id, run.Name));
        return new ResumeResult(updated, null);
    }

    private static ConfigError NameTooLong(string name) => new("name", $"A name has at most {MaxNameLength} characters (got {name.Length:N0}).");

    private LaunchResult Enqueue(Run run)
    {
        if (!_queue.Writer.TryWrite(run.Id))
        {
            _store.Delete(run.Id);
            return new LaunchResult(null, [new ConfigError("", "The training queue is full; wait for queued runs to finish or cancel some.")]);
        }
        _notifier.Publish(new RunQueued(run.Id, run.Name));
        return new LaunchResult(run, []);
    }

    /// <summary>Cancels a queued or running run. False if it does not exist or has already finished.</summary>
    public bool Cancel(Guid id)
    {
        Run? cancelled;
        // Under the start lock: a run is either registered as started (cancel its token) or still only
        // Queued in the store (mark it Cancelled), never in between, where the cancel would be lost.
        lock (_startLock)
        {
            if (_cancellations.TryGetValue(id, out var running))
            {
                running.Cancel();
                return true;
            }
            cancelled = _store.Update(id, r => r.Status == RunStatus.Queued
                ? r with { Status = RunStatus.Cancelled, StatusReason = "Cancelled before it started.", FinishedUtc = DateTime.UtcNow }
                : r);
        }
        if (cancelled?.Status != RunStatus.Cancelled || cancelled.FinishedUtc is null) return false;
        _notifier.Publish(new RunFinished(id, RunStatus.Cancelled, cancelled.StatusReason, null));
        return true;
    }

    public override void Dispose()
    {
        _trainingThread.Dispose();
        base.Dispose();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var run in _store.RecoverAfterRestart())
            _queue.Writer.TryWrite(run.Id);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            // ReadAllAsync still hands out buffered ids after a stop: leave them Queued for the next start.
            if (stoppingToken.IsCancellationRequested) return;
            try
            {
                await RunOneAsync(id, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                RecordFailure(id, e);
            }
            // Idle now: hand the run's free heap pages back; a queue of runs keeps them warm (decision 0016).
            if (_queue.Reader.Count == 0) TorchRuntime.TrimNativeHeap();
        }
    }

    /// <summary>Records why a run failed; a full disk leaves it resumable. Never throws: the queue goes on.</summary>
    private void RecordFailure(Guid id, Exception e)
    {
        try
        {
            if (DiskFullException.IsDiskFull(e))
            {
                _logger.LogError(e, "Run {RunId} stopped: disk full", id);
                if (_store.InterruptForDiskFull(id, e) is { } run)
                    _notifier.Publish(new RunFinished(id, run.Status, run.StatusReason, run.Accuracy));
                return;
            }
            _logger.LogError(e, "Run {RunId} failed", id);
            Finish(id, RunStatus.Failed, $"The run failed: {e.Message}", null);
        }
        catch (Exception recordError)
        {
            // Even the reserve did not make room: the run stays Running until the next start marks it Interrupted.
            _logger.LogError(recordError, "The failure of run {RunId} could not be recorded", id);
        }
    }

    private async Task RunOneAsync(Guid id, CancellationToken stoppingToken)
    {
        var run = _store.Get(id);
        if (run is null || run.Status != RunStatus.Queued) return; // deleted or cancelled while queued

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        lock (_startLock)
        {
            // A cancel since the read above changed the stored status: read it again, then register.
            if (_store.Get(id)?.Status != RunStatus.Queued) return;
            _cancellations[id] = cancellation;
        }
        try
        {
            if (run.IsEnsemble)
            {
                await RunEnsembleAsync(run, cancellation.Token);
                return;
            }

            FashionMnistData data;
            try
            {
                data = await _dataset.GetAsync(cancellation.Token);
            }
            catch (DatasetException e)
            {
                Finish(id, RunStatus.Failed, e.Message, null);
                return;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                Finish(id, RunStatus.Cancelled, "Cancelled while the data set was loading.", null);
                return;
            }

            var checkpoint = LoadCheckpoint(run);
            _store.Update(id, r => r with
            {
                Status = RunStatus.Running,
                StartedUtc = r.StartedUtc ?? DateTime.UtcNow,
                StatusReason = checkpoint is null ? null : $"Resumed after epoch {checkpoint.Epoch}.",
                // A resumed run continues from its checkpoint's history; a run that starts over starts empty.
                Epochs = checkpoint?.History.ToList() ?? [],
                // Results of the epoch it was cancelled at are not its results any more; the end sets them again.
                Report = null,
                Confusion = null,
                Accuracy = null,
                MacroF1 = null,
                TrainingSeconds = null,
            });
            _current = new CurrentRun(id, null);
            _notifier.Publish(new RunStarted(id));

            var observer = new Observer(this, id);
            // Training is CPU-bound and synchronous: it runs on the service's own long-lived thread (decision 0016).
            var result = await _trainingThread.RunAsync(() => checkpoint is null
                ? Trainer.Train(run.Config, data, observer, cancellation.Token)
                : Trainer.Resume(checkpoint, data, observer, cancellation.Token));

            var (status, reason) = result.Outcome switch
            {
                TrainingOutcome.Completed => (RunStatus.Completed, result.Reason),
                // Cancelled by the app stopping, not by a user: the run can be told apart and resumed later.
                TrainingOutcome.Cancelled when stoppingToken.IsCancellationRequested =>
                    (RunStatus.Interrupted, $"The dashboard stopped during this run; {result.Epochs.Count} finished epoch(s) were kept."),
                TrainingOutcome.Cancelled => (RunStatus.Cancelled, result.Reason),
                _ => (RunStatus.Diverged, result.Reason),
            };
            // One transaction: a crash at any instant leaves the run either ended with its results or still resumable.
            _store.CompleteRun(id, new RunCompletion(status, reason)
            {
                Report = result.Report,
                Confusion = result.Confusion,
                TrainingSeconds = result.TrainingSeconds,
                Environment = result.Environment,
                Weights = result.Weights,
                Evaluation = result.Evaluation,
            });
            _notifier.Publish(new RunFinished(id, status, reason, result.Report?.Accuracy));
        }
        finally
        {
            _cancellations.TryRemove(id, out _);
            _current = null;
        }
    }

    /// <summary>The checkpoint to resume from, or null to start from epoch 1 (no epoch finished, or none was kept).</summary>
    private TrainingCheckpoint? LoadCheckpoint(Run run)
    {
        if (run.Epochs.Count == 0) return null;
        try
        {
            return _store.LoadCheckpoint(run.Id) is { } bytes ? TrainingCheckpoint.FromBytes(bytes) : null;
        }
        catch (Exception e) when (e is InvalidDataException or ArtifactDamagedException)
        {
            _logger.LogWarning(e, "Checkpoint of run {RunId} is unreadable or damaged; the run starts over", run.Id);
            return null;
        }
    }

    private async Task RunEnsembleAsync(Run run, CancellationToken cancellationToken)
    {
        _store.Update(run.Id, r => r with { Status = RunStatus.Running, StartedUtc = DateTime.UtcNow, StatusReason = null });
        _notifier.Publish(new RunStarted(run.Id));
        var clock = Stopwatch.StartNew();
        EvaluationResult evaluation;
        try
        {
            evaluation = await _evaluations.GetAsync(run, cancellationToken, waitIfBusy: true);
        }
        catch (Exception e) when (e is RunNotFoundException or RunNotEvaluableException or DatasetException)
        {
            Finish(run.Id, RunStatus.Failed, $"A member cannot be used: {e.Message}", null);
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(run.Id, RunStatus.Cancelled, "Cancelled while the members were evaluated.", null);
            return;
        }
        var confusion = evaluation.ToConfusionMatrix();
        var report = ClassificationReport.From(confusion, FashionMnist.ClassNames);
        _store.CompleteRun(run.Id, new RunCompletion(RunStatus.Completed, null)
        {
            Report = report,
            Confusion = confusion,
            // Not training time: how long combining the members took (seconds when they must be evaluated first).
            TrainingSeconds = clock.Elapsed.TotalSeconds,
            Evaluation = evaluation,
        });
        _notifier.Publish(new RunFinished(run.Id, RunStatus.Completed, null, report.Accuracy));
    }

    private void Finish(Guid id, RunStatus status, string? reason, double? accuracy)
    {
        _store.Update(id, r => r with { Status = status, StatusReason = reason, FinishedUtc = DateTime.UtcNow });
        _notifier.Publish(new RunFinished(id, status, reason, accuracy));
    }

    private sealed class Observer(TrainingService service, Guid id) : ITrainingObserver
    {
        private EpochMetrics? _epoch;

        public void OnBatch(BatchProgress progress)
        {
            service._current = new CurrentRun(id, progress);
            service._notifier.Publish(new RunBatchProgress(id, progress));
        }

        // Kept until its checkpoint follows: both are stored in one transaction, then the epoch is published.
        public void OnEpoch(EpochMetrics metrics) => _epoch = metrics;

        public void OnCheckpoint(TrainingCheckpoint checkpoint)
        {
            var metrics = _epoch ?? checkpoint.History[^1];
            service._store.SaveEpoch(id, metrics, checkpoint.ToBytes());
            service._notifier.Publish(new RunEpochCompleted(id, metrics));
        }
    }
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
