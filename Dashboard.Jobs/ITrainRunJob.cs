namespace Dashboard.Jobs;

/// <summary>
/// The Hangfire job the dashboard queues for each run in Training:Mode = Workers, on the queue of the run's device
/// (<see cref="Dashboard.Training.Execution.WorkerProtocol.QueueFor"/>). A worker claims the run from the dashboard,
/// trains it and reports each step; a run that is not claimable any more (cancelled, finished, claimed by another
/// worker) ends the job at once.
/// </summary>
public interface ITrainRunJob
{
    /// <summary>Trains run <paramref name="runId"/>; Hangfire passes a token that fires when the worker stops.</summary>
    Task RunAsync(Guid runId, CancellationToken cancellationToken);
}
