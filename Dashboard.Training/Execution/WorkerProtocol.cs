namespace Dashboard.Training.Execution;

// Wire messages, documented here as a group and in docs/scale-out.md rather than member by member.
#pragma warning disable CS1591, CS1573

// The messages between the dashboard and its training workers (REST, JSON, under /api/workers). The dashboard
// stays the only process that writes its database: a worker claims a run, trains it and reports each step.
// Every report carries the claim's lease: once the dashboard gave the run to another worker (this one was
// lost), the old lease is refused and the old worker stops, so a run never trains on two workers at once.

/// <summary>Names shared by both sides.</summary>
public static class WorkerProtocol
{
    /// <summary>The Hangfire queue for runs on a device: <c>cpu</c> or <c>cuda</c>.</summary>
    public static string QueueFor(TrainingConfig config) => config.Device == DeviceChoice.Cuda ? "cuda" : "cpu";

    public const string BasePath = "/api/workers";
}

/// <summary>A worker's regular sign of life, with what it trains now.</summary>
/// <param name="WorkerId">Stable for the life of the worker process, e.g. <c>host:pid</c>.</param>
public sealed record WorkerHeartbeat(string WorkerId, string Machine, string Device, int Slots, int ThreadsPerSlot, IReadOnlyList<string> Queues, IReadOnlyList<Guid> Runs);

/// <summary>Which of the worker's runs a user cancelled, and which are no longer the worker's (stop them).</summary>
public sealed record HeartbeatReply(IReadOnlyList<Guid> Cancel, IReadOnlyList<Guid> NotYours);

public sealed record ClaimRequest(string WorkerId);

/// <summary>
/// A granted claim: the lease to quote in every report, the config, the checkpoint to resume from, and the epoch to
/// pause after (a rung of a halving study; null trains to the end).
/// </summary>
public sealed record ClaimReply(Guid Lease, TrainingConfig Config, byte[]? Checkpoint, int? PauseAfterEpoch = null);

public sealed record StartedReport(Guid Lease, int? ResumedAfterEpoch, IReadOnlyList<EpochMetrics> History);

public sealed record BatchReport(Guid Lease, BatchProgress Progress);

/// <summary>Whether a user cancelled the run: the worker stops it at its next batch.</summary>
public sealed record BatchReply(bool Cancel);

public sealed record EpochReport(Guid Lease, EpochMetrics Metrics, byte[] Checkpoint);

public sealed record EndedReport(Guid Lease, RunEnd End, string? Reason, TrainingResult? Result);
