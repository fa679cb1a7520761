using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Operations;

/// <summary>
/// Retention:MaxDatabaseBytes. At the cap new work is refused rather than finished results deleted:
/// what to give up is the operator's choice (docs/decisions/0015-lock-backup-retention.md).
/// </summary>
public sealed class StorageCap(RunStore store, IOptions<RetentionOptions> options) : ILaunchGate
{
    /// <summary>Bytes the database occupies on disk: the file and its write-ahead log.</summary>
    public long DatabaseBytes() => FileLength(store.DatabasePath) + FileLength(RunStore.LogFile(store.DatabasePath));

    /// <summary>Why new runs are refused now, or null when they are accepted.</summary>
    public string? LaunchRefusal()
    {
        if (options.Value.MaxDatabaseBytes is not { } cap) return null;
        var size = DatabaseBytes();
        return size < cap ? null :
            $"The database holds {size:N0} bytes, at or above Retention:MaxDatabaseBytes ({cap:N0}), so new runs are refused. " +
            "Delete runs you no longer need (LiteDB reuses their space but the file does not shrink: a backup and restore compacts it), " +
            "or raise Retention:MaxDatabaseBytes.";
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
