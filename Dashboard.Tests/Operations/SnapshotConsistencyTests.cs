using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Operations;

/// <summary>Snapshots taken while the store keeps replacing an artifact and appending epochs on another thread.</summary>
public sealed class SnapshotConsistencyTests
{
    [Fact]
    public async Task ASnapshotNeverHoldsHalfAnUploadAndAgreesWithTheRunsCollection()
    {
        using var dir = new TempDirectory();
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);
        var backups = new BackupService(store, NullLogger<BackupService>.Instance);
        var id = store.Create(TrainingConfig.ReportControl, "rewritten").Id;
        store.SaveWeights(id, Version(0));

        // Each version spans several 255 KB chunks, so one upload is several LiteDB writes.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var writer = Task.Run(() =>
        {
            var version = 0;
            while (!stop.IsCancellationRequested && version < 250)
            {
                version++;
                store.SaveWeights(id, Version(version));
                store.AppendEpoch(id, new EpochMetrics(version, 0.5, 0.5, 0.8, 1, 100));
            }
            return version;
        });

        var seen = new List<int>();
        while (!writer.IsCompleted && seen.Count < 8)
        {
            var (path, _) = (await backups.TryWriteAsync())!.Value;
            using (var copy = new RunStore(Options.Create(new StorageOptions { DatabasePath = path }), NullLogger<RunStore>.Instance))
            {
                var weights = copy.LoadWeights(id)!;
                var version = weights[0];
                Assert.Equal(Version(version), weights);
                // Epoch v is appended after version v is saved: the run's document is from the same moment.
                Assert.InRange(copy.Get(id)!.Epochs.Count, version - 1, version);
                seen.Add(version);
            }
            File.Delete(path);
        }
        stop.Cancel();
        var written = await writer;

        Assert.True(seen.Count >= 2, $"only {seen.Count} snapshot(s) were taken while {written} versions were written");
        Assert.True(seen.Distinct().Count() >= 2, $"every snapshot saw version {seen[0]}: the writer did not run alongside");
    }

    /// <summary>Version v of the artifact: 600 KB + v KB, every byte v.</summary>
    private static byte[] Version(int v) => Enumerable.Repeat((byte)v, 600_000 + v * 1000).ToArray();
}
