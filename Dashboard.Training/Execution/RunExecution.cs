using Dashboard.Training.Data;
using Dashboard.Training.Runtime;

namespace Dashboard.Training.Execution;

/// <summary>
/// Executes one run, wherever it runs: loads the data set, continues from the ticket's checkpoint if it is
/// readable, trains on the given Torch thread, and reports every step to an <see cref="IRunSink"/>. The same
/// code trains in the dashboard's process and in a worker; only the sink differs.
/// </summary>
public sealed class RunExecution(DatasetProvider dataset, DedicatedTorchThread thread, Action<string, Exception>? warn = null)
{
    /// <summary>
    /// Runs <paramref name="ticket"/> to its end. <paramref name="cancel"/> is a user's cancel;
    /// <paramref name="stopping"/> is the process stopping (the run is then Interrupted, resumable).
    /// </summary>
    public async Task ExecuteAsync(RunTicket ticket, IRunSink sink, CancellationToken cancel, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, stopping);
        FashionMnistData data;
        try
        {
            data = await dataset.GetAsync(linked.Token);
        }
        catch (DatasetException e)
        {
            sink.Ended(RunEnd.Failed, e.Message, null, null);
            return;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            sink.Ended(RunEnd.Cancelled, "Cancelled while the data set was loading.", null, null);
            return;
        }

        var checkpoint = ReadCheckpoint(ticket);
        sink.Started(checkpoint?.Epoch, checkpoint?.History ?? []);
        var observer = new SinkObserver(sink);
        // Training is CPU-bound and synchronous: it runs on the caller's long-lived Torch thread (decision 0016).
        var result = await thread.RunAsync(() => checkpoint is null
            ? Trainer.Train(ticket.Config, data, observer, linked.Token, ticket.PauseAfterEpoch)
            : Trainer.Resume(checkpoint, data, observer, linked.Token, ticket.PauseAfterEpoch));
        var (end, reason) = result.Outcome switch
        {
            TrainingOutcome.Completed => (RunEnd.Completed, result.Reason),
            TrainingOutcome.Paused => (RunEnd.Paused, result.Reason),
            // Cancelled by the process stopping, not by a user: the run can be told apart and resumed later.
            TrainingOutcome.Cancelled when stopping.IsCancellationRequested =>
                (RunEnd.Interrupted, $"Training stopped with its process; {result.Epochs.Count} finished epoch(s) were kept."),
            TrainingOutcome.Cancelled => (RunEnd.Cancelled, result.Reason),
            _ => (RunEnd.Diverged, result.Reason),
        };
        sink.Ended(end, reason, result, observer.Unreported);
    }

    /// <summary>The checkpoint to resume from, or null to start from epoch 1 (none kept, or unreadable).</summary>
    private TrainingCheckpoint? ReadCheckpoint(RunTicket ticket)
    {
        if (ticket.Checkpoint is not { } bytes) return null;
        try
        {
            return TrainingCheckpoint.FromBytes(bytes);
        }
        catch (InvalidDataException e)
        {
            warn?.Invoke($"The checkpoint of run {ticket.RunId} is unreadable; the run starts over", e);
            return null;
        }
    }

    private sealed class SinkObserver(IRunSink sink) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress) => sink.Batch(progress);

        // Kept until its checkpoint follows: the sink gets both at once, to keep them together.
        public void OnEpoch(EpochMetrics metrics) => Unreported = metrics;

        public void OnCheckpoint(TrainingCheckpoint checkpoint)
        {
            sink.Epoch(Unreported ?? checkpoint.History[^1], checkpoint.ToBytes());
            Unreported = null;
        }

        /// <summary>The run's last epoch, which no checkpoint follows: it goes to the sink with the end.</summary>
        public EpochMetrics? Unreported { get; private set; }
    }
}
