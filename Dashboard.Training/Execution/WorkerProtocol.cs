namespace Dashboard.Training.Execution;

// Wire messages, documented here as a group and in docs/scale-out.md rather than member by member.
#pragma warning disable CS1591, CS1573

// The messages between the dashboard and its training workers (REST under /api/workers: JSON, and for the epoch and
// ended reports multipart/form-data whose binary parts the JSON declares; docs/scale-out.md, "The wire"). The dashboard
// stays the only process that writes its database: a worker claims a run, trains it and reports each step.
// Every report carries the claim's lease: once the dashboard gave the run to another worker (this one was
// lost), the old lease is refused and the old worker stops, so a run never trains on two workers at once.

/// <summary>Names shared by both sides.</summary>
public static class WorkerProtocol
{
    /// <summary>The Hangfire queue for runs on a device: <c>cpu</c> or <c>cuda</c>.</summary>
    public static string QueueFor(TrainingConfig config) => config.Device == DeviceChoice.Cuda ? "cuda" : "cpu";

    public const string BasePath = "/api/workers";

    // The epoch and ended reports are multipart/form-data: first the report (JSON) under this name, then each
    // artifact it declares, in the order of Artifacts, as application/octet-stream under its own name.
    public const string ReportPart = "report";
    public const string CheckpointPart = "checkpoint";
    public const string WeightsPart = "weights";
    public const string EvaluationPart = "evaluation";

    /// <summary>The SHA-256 of <paramref name="bytes"/> as the reports declare it: lower-case hex.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}

/// <summary>A binary part of a report (or the claim's checkpoint download) as the sender declares it; the receiver checks both.</summary>
/// <param name="Sha256">Lower-case hex, 64 characters.</param>
public sealed record ArtifactDigest(long Length, string Sha256)
{
    public static ArtifactDigest Of(ReadOnlySpan<byte> bytes) => new(bytes.Length, WorkerProtocol.Sha256(bytes));
}

/// <summary>A worker's regular sign of life, with what it trains now.</summary>
/// <param name="WorkerId">Stable for the life of the worker process, e.g. <c>host:pid</c>.</param>
public sealed record WorkerHeartbeat(string WorkerId, string Machine, string Device, int Slots, int ThreadsPerSlot, IReadOnlyList<string> Queues, IReadOnlyList<Guid> Runs);

/// <summary>Which of the worker's runs a user cancelled, and which are no longer the worker's (stop them).</summary>
public sealed record HeartbeatReply(IReadOnlyList<Guid> Cancel, IReadOnlyList<Guid> NotYours);

public sealed record ClaimRequest(string WorkerId);

/// <summary>
/// A granted claim: the lease to quote in every report, the config, the checkpoint to resume from if there is one
/// (to be fetched as bytes from <c>GET runs/{id}/checkpoint?lease=</c> and checked against this digest), and the epoch
/// to pause after (a rung of a halving study; null trains to the end).
/// </summary>
public sealed record ClaimReply(Guid Lease, TrainingConfig Config, ArtifactDigest? Checkpoint, int? PauseAfterEpoch = null);

public sealed record StartedReport(Guid Lease, int? ResumedAfterEpoch, IReadOnlyList<EpochMetrics> History);

public sealed record BatchReport(Guid Lease, BatchProgress Progress);

/// <summary>Whether a user cancelled the run: the worker stops it at its next batch.</summary>
public sealed record BatchReply(bool Cancel);

/// <summary>The report part of an epoch: its metrics, and the checkpoint part that follows.</summary>
public sealed record EpochReport(Guid Lease, EpochMetrics Metrics, ArtifactDigest Checkpoint);

/// <summary>
/// The report part of a run's end. With <see cref="Result"/>, the weights and evaluation parts it declares follow;
/// the dashboard derives the confusion matrix and the classification report from the evaluation.
/// </summary>
public sealed record EndedReport(Guid Lease, RunEnd End, string? Reason, EndedResult? Result);

/// <summary>
/// What a run produced, less what travels as parts: the evaluation is <see cref="Evaluation.EvaluationBytes"/>, the
/// weights TorchSharp's format. <see cref="FinalEpoch"/> is the last epoch, which comes with the end (it has no checkpoint).
/// </summary>
public sealed record EndedResult(double TrainingSeconds, RunEnvironment Environment, EpochMetrics? FinalEpoch, ArtifactDigest? Weights, ArtifactDigest? Evaluation);
