using System.Net.Mime;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Execution;
using Dashboard.Web.Accounts;
using Dashboard.Web.Api;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Workers;

/// <summary>
/// The API training workers call (<see cref="WorkerProtocol.BasePath"/>): heartbeat, claim, and the run's reports.
/// Admin tokens only: a worker writes results into anyone's runs. The epoch and ended reports carry checkpoints,
/// weights and the test-set predictions as binary parts (<see cref="ReportBody"/>), so their bodies may be larger than
/// the rest of the API's.
/// </summary>
public static class WorkersApi
{
    /// <summary>Largest report body: a checkpoint of the biggest model, or its weights and evaluation, with room.</summary>
    public const long MaxReportBytes = 256L * 1024 * 1024;

    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var workers = app.MapGroup(WorkerProtocol.BasePath).WithTags("Workers").RequireAuthorization(Policies.Admin);
        workers.MapPost("/heartbeat", Heartbeat).WithName("WorkerHeartbeat");
        workers.MapGet("/", (WorkerRegistry registry) => registry.All()).WithName("ListWorkers").WithSummary("Workers heard from since the dashboard started.");
        workers.MapPost("/runs/{id:guid}/claim", Claim).WithName("ClaimRun");
        workers.MapGet("/runs/{id:guid}/checkpoint", Checkpoint).WithName("ClaimedCheckpoint")
            .WithSummary("The checkpoint a claimed run resumes from, as bytes (its digest came with the claim).").Produces(200, contentType: MediaTypeNames.Application.Octet);
        workers.MapPost("/runs/{id:guid}/started", Started).WithName("ReportStarted");
        workers.MapPost("/runs/{id:guid}/batch", Batch).WithName("ReportBatch");
        // Multipart: the report as JSON, then its binary parts (WorkerProtocol), read after the lease is checked.
        workers.MapPost("/runs/{id:guid}/epoch", Epoch).WithName("ReportEpoch").WithMetadata(new LargeBody(MaxReportBytes))
            .Accepts<EpochReport>(MultipartFormData);
        workers.MapPost("/runs/{id:guid}/ended", Ended).WithName("ReportEnded").WithMetadata(new LargeBody(MaxReportBytes))
            .Accepts<EndedReport>(MultipartFormData);
        return app;
    }

    private const string MultipartFormData = "multipart/form-data";

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

    private static IResult Checkpoint(Guid id, Guid lease, RemoteRuns remote)
    {
        var (claimed, refusal) = remote.Check(id, lease);
        if (claimed is null) return ApiProblem.Conflict(refusal!);
        return remote.ReadableCheckpoint(id) is { } bytes
            ? Results.Bytes(bytes, MediaTypeNames.Application.Octet)
            : ApiProblem.NotFound($"Run {id} has no readable checkpoint now: start it over.");
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

    private static async Task<IResult> Epoch(Guid id, HttpRequest request, RemoteRuns remote, IOptions<JsonOptions> json)
    {
        var body = ReportBody.Open(request);
        var report = await body.ReadReportAsync<EpochReport>(json.Value.SerializerOptions);
        // Fields left out arrive as null (positional records): named here rather than failing deeper.
        if (report.Metrics is null || report.Checkpoint is null) return ApiProblem.BadRequest("An epoch report needs metrics and checkpoint.");
        if ((MetricsError("metrics", report.Metrics) ?? ReportBody.DigestError("checkpoint", report.Checkpoint)) is { } error) return ApiProblem.BadRequest(error);
        // The lease before the checkpoint's megabytes are read: a worker that lost its run hears so at once.
        if (remote.Check(id, report.Lease).Refusal is { } refusal) return ApiProblem.Conflict(refusal);
        var checkpoint = await body.ReadArtifactAsync(WorkerProtocol.CheckpointPart, report.Checkpoint);
        await body.EndAsync();
        // Checked again: the run may have been given to another worker while its bytes arrived.
        var (claimed, refusedNow) = remote.Check(id, report.Lease);
        if (claimed is null) return ApiProblem.Conflict(refusedNow!);
        // Delivered again after a lost reply: the epoch is stored once.
        if (!claimed.Run.Epochs.Any(e => e.Epoch == report.Metrics.Epoch)) claimed.Sink.Epoch(report.Metrics, checkpoint);
        return Results.Ok();
    }

    private static string? MetricsError(string name, Dashboard.Training.EpochMetrics m) =>
        m.Epoch is < 1 or > Dashboard.Training.TrainingConfig.Limits.MaxEpochs ? $"{name}.epoch must be between 1 and {Dashboard.Training.TrainingConfig.Limits.MaxEpochs}."
        : !(m.TestAccuracy is >= 0 and <= 1) ? $"{name}.testAccuracy must be between 0 and 1."
        : !(double.IsFinite(m.TrainLoss) && double.IsFinite(m.TestLoss)) ? $"{name}.trainLoss and {name}.testLoss must be finite numbers."
        : !(m.Seconds >= 0 && m.ImagesPerSecond >= 0 && double.IsFinite(m.Seconds) && double.IsFinite(m.ImagesPerSecond)) ? $"{name}.seconds and {name}.imagesPerSecond must be finite and not negative."
        : m.PerClass?.Problem(Dashboard.Training.Data.FashionMnist.ClassCount) is { } perClass ? $"{name}.perClass: " + perClass
        : !(m.CpuPercent is null or >= 0 and < double.PositiveInfinity) || m.ResidentBytes < 0 ? $"{name}.cpuPercent and {name}.residentBytes must be finite and not negative."
        : null;

    private static async Task<IResult> Ended(Guid id, HttpRequest request, RemoteRuns remote, TrainingService training, IOptions<JsonOptions> json)
    {
        var body = ReportBody.Open(request);
        var report = await body.ReadReportAsync<EndedReport>(json.Value.SerializerOptions);
        if (!Enum.IsDefined(report.End)) return ApiProblem.BadRequest($"end must be one of {string.Join(", ", Enum.GetNames<RunEnd>())}.");
        if (report.Result is { } r && ResultError(r) is { } error) return ApiProblem.BadRequest(error);
        var (claimed, refusal) = remote.Check(id, report.Lease);
        if (claimed is not null)
        {
            var completion = report.Result is null ? null : await ReadCompletionAsync(body, report);
            await body.EndAsync();
            (claimed, refusal) = remote.Check(id, report.Lease);
            if (claimed is not null && completion is null) claimed.Sink.Ended(report.End, report.Reason);
            else if (claimed is not null) claimed.Sink.Complete(completion!);
        }
        remote.Ended(id);
        if (claimed is null) return ApiProblem.Conflict(refusal!);
        // A worker that stopped (restart, shutdown) hands its run back: another worker resumes it from its checkpoint.
        if (report.End == RunEnd.Interrupted) training.Resume(id);
        return Results.Ok();
    }

    private static string? ResultError(EndedResult r) =>
        r.Environment is null ? "result.environment is required."
        : !(double.IsFinite(r.TrainingSeconds) && r.TrainingSeconds >= 0) ? "result.trainingSeconds must be finite and not negative."
        : (r.Weights is null) != (r.Evaluation is null) ? "result.weights and result.evaluation come together: a run with weights was evaluated."
        : (r.FinalEpoch is null ? null : MetricsError("result.finalEpoch", r.FinalEpoch))
          ?? ReportBody.DigestError("result.weights", r.Weights) ?? ReportBody.DigestError("result.evaluation", r.Evaluation);

    /// <summary>The weights and evaluation parts, and what the dashboard derives from the evaluation: the confusion matrix and the report.</summary>
    private static async Task<RunCompletion> ReadCompletionAsync(ReportBody body, EndedReport report)
    {
        var result = report.Result!;
        var weights = result.Weights is null ? null : await body.ReadArtifactAsync(WorkerProtocol.WeightsPart, result.Weights);
        var evaluationBytes = result.Evaluation is null ? null : await body.ReadArtifactAsync(WorkerProtocol.EvaluationPart, result.Evaluation);
        EvaluationResult? evaluation = null;
        try
        {
            evaluation = evaluationBytes is null ? null : EvaluationBytes.FromBytes(evaluationBytes);
        }
        catch (InvalidDataException e)
        {
            throw new BadHttpRequestException($"The {WorkerProtocol.EvaluationPart} part is not a readable evaluation: {e.Message} Nothing was stored.", e);
        }
        // Ensembles and the gallery read one softmax row of every class per image.
        if (evaluation is not null && evaluation.Probabilities.Length != (long)evaluation.Truth.Length * FashionMnist.ClassCount)
            throw new BadHttpRequestException($"The {WorkerProtocol.EvaluationPart} part has {evaluation.Probabilities.Length} outputs for {evaluation.Truth.Length} images of {FashionMnist.ClassCount} classes. Nothing was stored.");
        var confusion = evaluation?.ToConfusionMatrix();
        return new RunCompletion(StoreRunSink.StatusOf(report.End), report.Reason)
        {
            Report = confusion is null ? null : ClassificationReport.From(confusion, FashionMnist.ClassNames),
            Confusion = confusion,
            TrainingSeconds = result.TrainingSeconds,
            Environment = result.Environment,
            Weights = weights,
            Evaluation = evaluationBytes,
            FinalEpoch = result.FinalEpoch,
        };
    }

    private static IResult WithSink(Guid id, Guid lease, RemoteRuns remote, Action<IRunSink> report)
    {
        var (claimed, refusal) = remote.Check(id, lease);
        if (claimed is null) return ApiProblem.Conflict(refusal!);
        report(claimed.Sink);
        return Results.Ok();
    }
}

/// <summary>Endpoint metadata: this endpoint reads bodies up to <see cref="Bytes"/> (the API's default cap is far lower).</summary>
public sealed record LargeBody(long Bytes);
