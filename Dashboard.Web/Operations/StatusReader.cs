using Dashboard.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Dashboard.Web.Workers;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Operations;

/// <summary>
/// GET /api/status and the status page: storage, disk, queue and retention, read now; in Training:Mode = Workers also
/// whether the workers' job queue (PostgreSQL) can be reached (null in InProcess mode).
/// </summary>
public sealed record StatusReport(
    string DatabasePath,
    long DatabaseBytes,
    ArtifactBytes ArtifactBytes,
    long? FreeDiskBytes,
    QueueStatus Queue,
    RetentionStatus Retention,
    JobQueueState? JobQueue = null);

/// <summary>The run in training (null when idle) and how many wait.</summary>
public sealed record QueueStatus(RunningRun? Running, int QueuedCount);

/// <summary>The running run and its latest batch progress (null before the first batch).</summary>
public sealed record RunningRun(Guid Id, string Name, int TotalEpochs, BatchProgress? Progress);

/// <summary>Retention's settings, whether new runs are refused at the cap, and its last pass (null before the first).</summary>
public sealed record RetentionStatus(
    int CheckpointMaxAgeDays,
    long? MaxDatabaseBytes,
    TimeSpan Interval,
    string? LaunchRefusal,
    RetentionPass? LastPass);

public sealed class StatusReader(
    RunStore store,
    TrainingService training,
    StorageCap cap,
    RetentionService retention,
    IOptions<RetentionOptions> options,
    JobQueueHealth? jobQueue = null)
{
    public StatusReport Read()
    {
        var o = options.Value;
        return new StatusReport(
            store.DatabasePath,
            cap.DatabaseBytes(),
            ArtifactSizes.ByKind(store),
            FreeDiskBytes(store.DatabasePath),
            ReadQueue(),
            new RetentionStatus(o.CheckpointMaxAgeDays, o.MaxDatabaseBytes, o.Interval, cap.LaunchRefusal(), retention.LastPass),
            jobQueue?.State);
    }

    private QueueStatus ReadQueue()
    {
        var queued = store.GetCollection<Run>("runs").Count(r => r.Status == RunStatus.Queued);
        if (training.Current is not { } current || store.Get(current.RunId) is not { } run) return new QueueStatus(null, queued);
        return new QueueStatus(new RunningRun(run.Id, run.Name, run.Config.Epochs, current.Progress), queued);
    }

    /// <summary>Free bytes for this user on the volume that holds the database, or null when the system does not say.</summary>
    internal static long? FreeDiskBytes(string databasePath)
    {
        try
        {
            return new DriveInfo(Path.GetDirectoryName(Path.GetFullPath(databasePath))!).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
