using Microsoft.Extensions.Logging;
using System.Diagnostics;
using System.Threading.Channels;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Execution;

namespace Dashboard.Worker;

/// <summary>
/// Reports a run's steps to the dashboard, in order, from a queue: training never waits on the network. A
/// report that cannot be delivered (the dashboard restarting, a network cut) is retried until it is, for up
/// to <c>Worker:DeliverFor</c>; batch progress is only the latest and is dropped when reports queue up.
/// A refused lease (the run was given to another worker) or a user's cancel cancels <see cref="Stop"/>.
/// </summary>
public sealed class ApiRunSink : IRunSink, IAsyncDisposable
{
    private static readonly TimeSpan BatchEvery = TimeSpan.FromMilliseconds(500);
    private readonly Channel<Outgoing> _reports = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DashboardClient _client;
    private readonly Guid _runId, _lease;
    private readonly TimeSpan _deliverFor;
    private readonly ILogger _logger;
    private readonly Task _delivery;
    private readonly Stopwatch _sinceBatch = Stopwatch.StartNew();
    private int _pending;

    public ApiRunSink(DashboardClient client, Guid runId, Guid lease, TimeSpan deliverFor, ILogger logger)
    {
        _client = client;
        _runId = runId;
        _lease = lease;
        _deliverFor = deliverFor;
        _logger = logger;
        _delivery = Task.Run(DeliverAsync);
    }

    /// <summary>Cancelled when a user cancels the run or the dashboard gave it to another worker.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>Set when the dashboard refused this worker's lease: the run is someone else's now.</summary>
    public bool LeaseLost { get; private set; }

    public void Started(int? resumedAfterEpoch, IReadOnlyList<EpochMetrics> history) =>
        Send("started", new StartedReport(_lease, resumedAfterEpoch, history));

    public void Batch(BatchProgress progress)
    {
        // The latest progress is all that matters: sent at most twice a second, and never behind other reports.
        if (_sinceBatch.Elapsed < BatchEvery || Volatile.Read(ref _pending) > 0) return;
        _sinceBatch.Restart();
        Send("batch", new BatchReport(_lease, progress));
    }

    public void Epoch(EpochMetrics metrics, byte[] checkpoint) =>
        Send("epoch", () => new(new EpochReport(_lease, metrics, ArtifactDigest.Of(checkpoint)), [(WorkerProtocol.CheckpointPart, checkpoint)]));

    public void Ended(RunEnd end, string? reason, TrainingResult? result, EpochMetrics? finalEpoch)
    {
        Send("ended", () => EndedParts(end, reason, result, finalEpoch));
        _reports.Writer.TryComplete();
    }

    // The evaluation goes in its stored form (EvaluationBytes): the dashboard keeps these bytes and derives the report from them.
    private Parts EndedParts(RunEnd end, string? reason, TrainingResult? result, EpochMetrics? finalEpoch)
    {
        if (result is null) return new(new EndedReport(_lease, end, reason, null), []);
        var evaluation = result.Evaluation is null ? null : EvaluationBytes.ToBytes(result.Evaluation);
        var parts = new List<(string, byte[])>();
        if (result.Weights is { } weights) parts.Add((WorkerProtocol.WeightsPart, weights));
        if (evaluation is not null) parts.Add((WorkerProtocol.EvaluationPart, evaluation));
        var ended = new EndedResult(result.TrainingSeconds, result.Environment, finalEpoch,
            result.Weights is null ? null : ArtifactDigest.Of(result.Weights), evaluation is null ? null : ArtifactDigest.Of(evaluation));
        return new(new EndedReport(_lease, end, reason, ended), parts);
    }

    private void Send(string kind, object json) => Enqueue(new Outgoing($"runs/{_runId}/{kind}", json, null));

    // Hashing and serialising wait for the delivery task: the training thread only queues.
    private void Send(string kind, Func<Parts> prepare) => Enqueue(new Outgoing($"runs/{_runId}/{kind}", null, new Lazy<Parts>(prepare)));

    private void Enqueue(Outgoing report)
    {
        if (_reports.Writer.TryWrite(report)) Interlocked.Increment(ref _pending);
    }

    /// <summary>Waits until every report is delivered, refused, or given up on.</summary>
    public Task FlushAsync()
    {
        _reports.Writer.TryComplete();
        return _delivery;
    }

    private async Task DeliverAsync()
    {
        await foreach (var report in _reports.Reader.ReadAllAsync())
        {
            if (!LeaseLost) await DeliverOneAsync(report);
            Interlocked.Decrement(ref _pending);
        }
    }

    private async Task DeliverOneAsync(Outgoing report)
    {
        var (path, body) = (report.Path, report.Json);
        var giveUpAt = DateTime.UtcNow + _deliverFor;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (body is BatchReport)
                {
                    if ((await _client.PostAsync<BatchReply>(path, body, CancellationToken.None))?.Cancel == true) Stop.Cancel();
                }
                else if (body is not null) await _client.PostAsync<object>(path, body, CancellationToken.None);
                else await _client.PostPartsAsync(path, report.Parts!.Value.Report, report.Parts.Value.Binary, CancellationToken.None);
                return;
            }
            catch (ReportRejectedException e)
            {
                _logger.LogError("Run {RunId}: the dashboard rejected {Path} as malformed ({Error}); the report is dropped", _runId, path, e.Message);
                // Without an end the run would stay Running under this worker's lease: end it without its results.
                if (report.Parts?.Value.Report is EndedReport { Result: not null } ended)
                    await DeliverOneAsync(new Outgoing(path, null, new Lazy<Parts>(new Parts(
                        ended with { End = RunEnd.Failed, Reason = $"The dashboard refused this run's results: {e.Message[..Math.Min(e.Message.Length, 500)]}", Result = null }, []))));
                return;
            }
            catch (RunRefusedException e)
            {
                _logger.LogWarning("Run {RunId}: the dashboard refused a report ({Refusal}); stopping it here", _runId, e.Message);
                LeaseLost = true;
                Stop.Cancel();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UnauthorizedAccessException)
            {
                // Progress is not worth waiting for; everything else is retried until the dashboard is back.
                if (body is BatchReport || DateTime.UtcNow > giveUpAt)
                {
                    if (body is not BatchReport) _logger.LogError(e, "Run {RunId}: gave up delivering {Path} after {Time}", _runId, path, _deliverFor);
                    return;
                }
                if (attempt % 10 == 0) _logger.LogWarning("Run {RunId}: the dashboard cannot take {Path} now ({Error}); retrying", _runId, path, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * (1 << Math.Min(attempt, 5)))));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync();
        Stop.Dispose();
    }

    /// <summary>A report on its way: JSON, or a multipart report (prepared once, on first delivery) with its binary parts.</summary>
    private sealed record Outgoing(string Path, object? Json, Lazy<Parts>? Parts);

    private sealed record Parts(object Report, IReadOnlyList<(string Name, byte[] Bytes)> Binary);
}
