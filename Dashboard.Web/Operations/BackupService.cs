using Dashboard.Web.Storage;

namespace Dashboard.Web.Operations;

/// <summary>
/// Snapshots of the running dashboard's database. The process that holds the database is the only one
/// that may open it (LiteDB 5 is single-process), so `backup` asks this one for a snapshot.
/// </summary>
public sealed class BackupService(RunStore store, ILogger<BackupService> logger)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>A snapshot in a temporary file beside the database (the caller deletes it), or null while another is being written.</summary>
    public async Task<(string Path, SnapshotSummary Summary)?> TryWriteAsync()
    {
        if (!await _one.WaitAsync(TimeSpan.Zero)) return null;
        try
        {
            var path = $"{store.DatabasePath}.backup-{Guid.NewGuid():N}.tmp";
            // Synchronous and on one thread throughout: a LiteDB transaction belongs to its thread.
            var summary = await Task.Factory.StartNew(() => DatabaseSnapshot.Write(store.Database, path, store.PauseWrites),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            logger.LogInformation("Backup snapshot written: {Summary}", summary);
            return (path, summary);
        }
        finally
        {
            _one.Release();
        }
    }
}
