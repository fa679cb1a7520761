using Dashboard.Training.Execution;
using Dashboard.Web.Accounts;
using Dashboard.Web.Api;
using Dashboard.Web.Training;

namespace Dashboard.Web.Workers;

/// <summary>
/// The API training workers call (<see cref="WorkerProtocol.BasePath"/>): heartbeat, claim, and the run's reports.
/// Admin tokens only: a worker writes results into anyone's runs. Reports carry checkpoints, weights and the
/// test-set predictions, so their bodies may be larger than the rest of the API's.
/// </summary>
public static class WorkersApi
{
    /// <summary>Largest report body: a checkpoint or final result of the biggest model, base64 in JSON, with room.</summary>
    public const long MaxReportBytes = 256L * 1024 * 1024;

    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var workers = app.MapGroup(WorkerProtocol.BasePath).WithTags("Workers").RequireAuthorization(Policies.Admin);
        workers.MapPost("/heartbeat", Heartbeat).WithName("WorkerHeartbeat");
        workers.MapGet("/", (WorkerRegistry registry) => registry.All()).WithName("ListWorkers").WithSummary("Workers heard from since the dashboard started.");
        workers.MapPost("/runs/{id:guid}/claim", Claim).WithName("ClaimRun");
        workers.MapPost("/runs/{id:guid}/started", Started).WithName("ReportStarted");
        workers.MapPost("/runs/{id:guid}/batch", Batch).WithName("ReportBatch");
        workers.MapPost("/runs/{id:guid}/epoch", Epoch).WithName("ReportEpoch").WithMetadata(new LargeBody(MaxReportBytes));
        workers.MapPost("/runs/{id:guid}/ended", Ended).WithName("ReportEnded").WithMetadata(new LargeBody(MaxReportBytes));
        return app;
    }

    private static IResult Heartbeat(WorkerHeartbeat heartbeat, HttpContext http, WorkerRegistry registry, RemoteRuns remote, Storage.RunStore store)
    {
        if (heartbeat.Machine is null || heartbeat.Device is null || heartbeat.Queues is null || heartbeat.Runs is null)
            return ApiProblem.BadRequest("A heartbeat needs workerId, machine, device, queues and runs.");
        if (string.IsNullOrWhiteSpace(heartbeat.WorkerId) || heartbeat.WorkerId.Length > 200) return ApiProblem.BadRequest("workerId must have 1 to 200 characters.");
        if (heartbeat.Runs.Count > 1000) return ApiProblem.BadRequest("A worker reports at most 1,000 runs.");
        if (HeartbeatError(heartbeat) is { } error) return ApiProblem.BadRequest(error);
        registry.Heard(heartbeat, http.Connection.RemoteIpAddress?.ToString());
        var cancel = heartbeat.Runs.Where(remote.CancelRequested).ToList();
        var notYours = heartbeat.Runs.Where(id => store.Get(id) is not { } r || r.Worker != heartbeat.WorkerId || r.IsFinished).ToList();
        return Results.Ok(new HeartbeatReply(cancel, notYours));
    }

    // Kept in memory and shown on the Workers page: sizes are capped like every other input (decision 0017).
    private static string? HeartbeatError(WorkerHeartbeat h) =>
        h.Machine.Length > 200 || h.Device.Length > 200 ? "machine and device have at most 200 characters."
        : h.Queues.Count > 16 || h.Queues.Any(q => string.IsNullOrWhiteSpace(q) || q.Length > 50) ? "A worker lists at most 16 queues of 1 to 50 characters."
        : h.Slots is < 1 or > 256 || h.ThreadsPerSlot is < 1 or > 256 ? "slots and threadsPerSlot must be between 1 and 256."
        : null;

    private static IResult Claim(Guid id, ClaimRequest request, RemoteRuns remote)
    {
        if (string.IsNullOrWhiteSpace(request.WorkerId) || request.WorkerId.Length > 200) return ApiProblem.BadRequest("workerId must have 1 to 200 characters.");
        var (claim, refusal) = remote.Claim(id, request.WorkerId);
        return claim is not null ? Results.Ok(claim) : ApiProblem.Conflict(refusal!);
    }

    private static IResult Started(Guid id, StartedReport report, RemoteRuns remote) =>
        report.History is null ? ApiProblem.BadRequest("A started report needs history (empty when the run starts over).")
        : WithSink(id, report.Lease, remote, sink => sink.Started(report.ResumedAfterEpoch, report.History));

    private static IResult Batch(Guid id, BatchReport report, RemoteRuns remote)
    {
        if (report.Progress is null) return ApiProblem.BadRequest("A batch report needs progress.");
        var answer = WithSink(id, report.Lease, remote, sink => sink.Batch(report.Progress));
        return answer is IStatusCodeHttpResult { StatusCode: 200 } ? Results.Ok(new BatchReply(remote.CancelRequested(id))) : answer;
    }

    private static IResult Epoch(Guid id, EpochReport report, RemoteRuns remote)
    {
        // Fields left out arrive as null (positional records): named here rather than failing deeper.
        if (report.Metrics is null || report.Checkpoint is null) return ApiProblem.BadRequest("An epoch report needs metrics and checkpoint.");
        if (MetricsError(report.Metrics) is { } error) return ApiProblem.BadRequest(error);
        var (sink, refusal) = remote.SinkFor(id, report.Lease);
        if (sink is null) return ApiProblem.Conflict(refusal!);
        // Delivered again after a lost reply: the epoch is stored once.
        if (!remote.HasEpoch(id, report.Metrics.Epoch)) sink.Epoch(report.Metrics, report.Checkpoint);
        return Results.Ok();
    }

    private static string? MetricsError(Dashboard.Training.EpochMetrics m) =>
        m.Epoch is < 1 or > Dashboard.Training.TrainingConfig.Limits.MaxEpochs ? $"metrics.epoch must be between 1 and {Dashboard.Training.TrainingConfig.Limits.MaxEpochs}."
        : !(m.TestAccuracy is >= 0 and <= 1) ? "metrics.testAccuracy must be between 0 and 1."
        : !(double.IsFinite(m.TrainLoss) && double.IsFinite(m.TestLoss)) ? "metrics.trainLoss and metrics.testLoss must be finite numbers."
        : !(m.Seconds >= 0 && m.ImagesPerSecond >= 0 && double.IsFinite(m.Seconds) && double.IsFinite(m.ImagesPerSecond)) ? "metrics.seconds and metrics.imagesPerSecond must be finite and not negative."
        : null;

    private static IResult Ended(Guid id, EndedReport report, RemoteRuns remote, TrainingService training)
    {
        var answer = WithSink(id, report.Lease, remote, sink => sink.Ended(report.End, report.Reason, report.Result));
        remote.Ended(id);
        // A worker that stopped (restart, shutdown) hands its run back: another worker resumes it from its checkpoint.
        if (report.End == RunEnd.Interrupted && answer is IStatusCodeHttpResult { StatusCode: 200 }) training.Resume(id);
        return answer;
    }

    private static IResult WithSink(Guid id, Guid lease, RemoteRuns remote, Action<IRunSink> report)
    {
        var (sink, refusal) = remote.SinkFor(id, lease);
        if (sink is null) return ApiProblem.Conflict(refusal!);
        report(sink);
        return Results.Ok();
    }
}

/// <summary>Endpoint metadata: this endpoint reads bodies up to <see cref="Bytes"/> (the API's default cap is far lower).</summary>
public sealed record LargeBody(long Bytes);
