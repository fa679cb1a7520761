using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Execution;
using Dashboard.Training.Runtime;
using Dashboard.Web.Evaluation;
using Dashboard.Web.Events;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Training;

/// <summary>What runs queued runs: this process, or training workers.</summary>
public interface IRunRunner
{
    /// <summary>Queues a stored Queued run; null on success, else why not (the caller undoes the store).</summary>
    string? Enqueue(Guid id);

    /// <summary>Cancels a queued or running run. False if it does not exist or has already finished.</summary>
    bool Cancel(Guid id);

    /// <summary>The run this process is training and its latest progress, or null.</summary>
    CurrentRun? Current { get; }
}

/// <summary>
/// Trains queued runs in this process, one at a time (TorchSharp's thread count is process-wide), through
/// <see cref="RunExecution"/> into the store. Registered as a singleton and as the hosted service. A run's
/// failure is recorded on that run and the queue goes on. Ensembles go through the same queue: they are not
/// trained, but their members' predictions are combined in order with runs.
/// </summary>
public sealed class InProcessRunner : BackgroundService, IRunRunner
{
    private readonly Channel<Guid> _queue;
    private readonly RunStore _store;
    private readonly RunNotifier _notifier;
    private readonly RunEvaluations _evaluations;
    private readonly ILogger<InProcessRunner> _logger;
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _cancellations = new();
    private readonly Lock _startLock = new();
    private volatile CurrentRun? _current;
    // Every run trains on this one thread: a new thread per run left a grown malloc arena behind each time (decision 0016).
    private readonly DedicatedTorchThread _trainingThread = new("training");
    private readonly RunExecution _execution;
    private readonly bool _workers;

    public InProcessRunner(RunStore store, RunNotifier notifier, DatasetProvider dataset, RunEvaluations evaluations, IOptions<TrainingOptions> options, ILogger<InProcessRunner> logger)
    {
        _store = store;
        _notifier = notifier;
        _evaluations = evaluations;
        _logger = logger;
        _execution = new RunExecution(dataset, _trainingThread, (message, e) => logger.LogWarning(e, "{Message}", message));
        _queue = Channel.CreateBounded<Guid>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });
        _workers = options.Value.Mode == TrainingMode.Workers;
    }

    public CurrentRun? Current => _current;

    /// <summary>Cancels a queued or running run. False if it does not exist or has already finished.</summary>
    public bool Cancel(Guid id)
    {
        // Under the start lock: a run is either registered as started (cancel its token) or still only
        // Queued in the store (mark it Cancelled), never in between, where the cancel would be lost.
        lock (_startLock)
        {
            if (_cancellations.TryGetValue(id, out var running))
            {
                running.Cancel();
                return true;
            }
            return QueuedRuns.Cancel(_store, _notifier, id, r => true);
        }
    }

    public string? Enqueue(Guid id) =>
        _queue.Writer.TryWrite(id) ? null : "The training queue is full; wait for queued runs to finish or cancel some.";

    public override void Dispose()
    {
        _trainingThread.Dispose();
        base.Dispose();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // With workers, queued runs wait in Hangfire's queues (PostgreSQL) and runs on workers go on: only ensembles come back here.
        foreach (var run in _store.RecoverAfterRestart(keepWorkerRuns: _workers))
            if (!_workers || run.IsEnsemble) _queue.Writer.TryWrite(run.Id);
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

            var ticket = new RunTicket(id, run.Config, run.Epochs.Count > 0 ? LoadCheckpointBytes(id) : null, run.PauseAfterEpoch);
            await _execution.ExecuteAsync(ticket, new CurrentRunSink(this, new StoreRunSink(_store, _notifier, id)), cancellation.Token, stoppingToken);
        }
        finally
        {
            _cancellations.TryRemove(id, out _);
            _current = null;
        }
    }

    /// <summary>The stored checkpoint, or null when there is none or it is damaged (the run then starts over).</summary>
    private byte[]? LoadCheckpointBytes(Guid id)
    {
        try
        {
            return _store.LoadCheckpoint(id);
        }
        catch (ArtifactDamagedException e)
        {
            _logger.LogWarning(e, "Checkpoint of run {RunId} is damaged; the run starts over", id);
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
            Evaluation = EvaluationBytes.ToBytes(evaluation),
        });
        _notifier.Publish(new RunFinished(run.Id, RunStatus.Completed, null, report.Accuracy));
    }

    private void Finish(Guid id, RunStatus status, string? reason, double? accuracy)
    {
        _store.Update(id, r => r with { Status = status, StatusReason = reason, FinishedUtc = DateTime.UtcNow });
        _notifier.Publish(new RunFinished(id, status, reason, accuracy));
    }

    /// <summary>Keeps <see cref="Current"/> up to date on the way to the store.</summary>
    private sealed class CurrentRunSink(InProcessRunner service, IRunSink inner) : IRunSink
    {
        private readonly Guid _id = ((StoreRunSink)inner).RunId;

        public void Started(int? resumedAfterEpoch, IReadOnlyList<EpochMetrics> history)
        {
            inner.Started(resumedAfterEpoch, history);
            service._current = new CurrentRun(_id, null);
        }

        public void Batch(BatchProgress progress)
        {
            service._current = new CurrentRun(_id, progress);
            inner.Batch(progress);
        }

        public void Epoch(EpochMetrics metrics, byte[] checkpoint) => inner.Epoch(metrics, checkpoint);

        public void Ended(RunEnd end, string? reason, TrainingResult? result, EpochMetrics? finalEpoch) => inner.Ended(end, reason, result, finalEpoch);
    }
}

/// <summary>The rule for a run cancelled before anything trains it, whoever runs the queue.</summary>
public static class QueuedRuns
{
    /// <summary>Marks the run Cancelled if it is still Queued and <paramref name="unclaimed"/> holds (atomically); false otherwise.</summary>
    public static bool Cancel(RunStore store, RunNotifier notifier, Guid id, Func<Run, bool> unclaimed)
    {
        var cancelled = false;
        var run = store.Update(id, r =>
        {
            cancelled = r.Status == RunStatus.Queued && unclaimed(r);
            return cancelled ? r with { Status = RunStatus.Cancelled, StatusReason = "Cancelled before it started.", FinishedUtc = DateTime.UtcNow } : r;
        });
        if (!cancelled || run is null) return false;
        notifier.Publish(new RunFinished(id, RunStatus.Cancelled, run.StatusReason, null));
        return true;
    }
}
