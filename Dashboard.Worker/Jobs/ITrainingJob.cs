namespace Dashboard.Worker.Jobs;

/// <summary>
/// The job the dashboard will enqueue for each run in <c>Training:Mode=Workers</c> (issue 13): the worker fetches the
/// run's config from the dashboard, trains it with Dashboard.Training and reports back. Not implemented yet; the
/// contract is here so that the queue, the test fixture and the decision record are settled first.
/// </summary>
public interface ITrainingJob
{
    /// <summary>Trains run <paramref name="runId"/>; Hangfire passes a token that fires when the worker stops.</summary>
    Task RunAsync(Guid runId, CancellationToken cancellationToken);
}
