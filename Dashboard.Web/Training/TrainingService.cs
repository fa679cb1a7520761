using System.Collections.Concurrent;
using System.Threading.Channels;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Runtime;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Training;

/// <summary>
/// Runs queued runs one at a time (TorchSharp's thread count is process-wide). Registered as a
/// singleton and as the hosted service, so pages can read <see cref="Current"/> and cancel runs.
/// A run's failure is recorded on that run and the service goes on with the queue.
/// </summary>
public sealed class TrainingService : BackgroundService
{
    private readonly Channel<Guid> _queue;
    private readonly RunStore _store;
    private readonly RunNotifier _notifier;
    private readonly DatasetProvider _dataset;
    private readonly ILogger<TrainingService> _logger;
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _cancellations = new();
    private volatile CurrentRun? _current;

    public TrainingService(RunStore store, RunNotifier notifier, DatasetProvider dataset, IOptions<TrainingOptions> options, ILogger<TrainingService> logger)
    {
        _store = store;
        _notifier = notifier;
        _dataset = dataset;
        _logger = logger;
        _queue = Channel.CreateBounded<Guid>(new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true });
    }

    /// <summary>The run being trained and its latest progress, or null when idle.</summary>
    public CurrentRun? Current => _current;

    /// <summary>Whether CUDA can be used, for the form to say so before launch.</summary>
    public static bool CudaAvailable => TorchRuntime.CudaAvailable;

    /// <summary>Validates, stores and queues a run. Nothing is stored when the config is invalid or the queue is full.</summary>
    public LaunchResult Launch(TrainingConfig config, string? name = null)
    {
        var errors = config.Validate(CudaAvailable);
        if (errors.Count > 0) return new LaunchResult(null, errors);
        var run = _store.Create(config, name);
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
        if (_cancellations.TryGetValue(id, out var running))
        {
            running.Cancel();
            return true;
        }
        var cancelled = _store.Update(id, r => r.Status == RunStatus.Queued
            ? r with { Status = RunStatus.Cancelled, StatusReason = "Cancelled before it started.", FinishedUtc = DateTime.UtcNow }
            : r);
        if (cancelled?.Status != RunStatus.Cancelled || cancelled.FinishedUtc is null) return false;
        _notifier.Publish(new RunFinished(id, RunStatus.Cancelled, cancelled.StatusReason, null));
        return true;
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
                _logger.LogError(e, "Run {RunId} failed", id);
                Finish(id, RunStatus.Failed, $"The run failed: {e.Message}", null);
            }
        }
    }

    private async Task RunOneAsync(Guid id, CancellationToken stoppingToken)
    {
        var run = _store.Get(id);
        if (run is null || run.Status != RunStatus.Queued) return; // deleted or cancelled while queued

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _cancellations[id] = cancellation;
        try
        {
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

            _store.Update(id, r => r with { Status = RunStatus.Running, StartedUtc = DateTime.UtcNow, StatusReason = null });
            _current = new CurrentRun(id, null);
            _notifier.Publish(new RunStarted(id));

            var observer = new Observer(this, id);
            // Training is CPU-bound and synchronous: give it its own thread, not a pool thread.
            var result = await Task.Factory.StartNew(
                () => Trainer.Train(run.Config, data, observer, cancellation.Token),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            if (result.Weights is { } weights) _store.SaveWeights(id, weights);
            var (status, reason) = result.Outcome switch
            {
                TrainingOutcome.Completed => (RunStatus.Completed, result.Reason),
                // Cancelled by the app stopping, not by a user: the run can be told apart and resumed later.
                TrainingOutcome.Cancelled when stoppingToken.IsCancellationRequested =>
                    (RunStatus.Interrupted, $"The dashboard stopped during this run; {result.Epochs.Count} finished epoch(s) were kept."),
                TrainingOutcome.Cancelled => (RunStatus.Cancelled, result.Reason),
                _ => (RunStatus.Diverged, result.Reason),
            };
            _store.Update(id, r => r with
            {
                Report = result.Report,
                Confusion = result.Confusion,
                TrainingSeconds = result.TrainingSeconds,
                Environment = result.Environment,
                HasWeights = result.Weights is not null,
                Accuracy = result.Report?.Accuracy,
                MacroF1 = result.Report?.MacroAverage.F1,
            });
            Finish(id, status, reason, result.Report?.Accuracy);
        }
        finally
        {
            _cancellations.TryRemove(id, out _);
            _current = null;
        }
    }

    private void Finish(Guid id, RunStatus status, string? reason, double? accuracy)
    {
        _store.Update(id, r => r with { Status = status, StatusReason = reason, FinishedUtc = DateTime.UtcNow });
        _notifier.Publish(new RunFinished(id, status, reason, accuracy));
    }

    private sealed class Observer(TrainingService service, Guid id) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress)
        {
            service._current = new CurrentRun(id, progress);
            service._notifier.Publish(new RunBatchProgress(id, progress));
        }

        public void OnEpoch(EpochMetrics metrics)
        {
            service._store.AppendEpoch(id, metrics);
            service._notifier.Publish(new RunEpochCompleted(id, metrics));
        }
    }
}

/// <summary>The run in training and its latest batch progress (null before the first report).</summary>
public sealed record CurrentRun(Guid RunId, BatchProgress? Progress);

/// <summary>The stored run, or the reasons nothing was stored.</summary>
public sealed record LaunchResult(Run? Run, IReadOnlyList<ConfigError> Errors)
{
    public bool Succeeded => Run is not null;
}
