using System.Diagnostics;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Bench;

/// <summary>
/// Seeds a database with runs carrying weights and checkpoints, then times a backup snapshot while another
/// thread appends epochs the way training does, and compares that thread's slowest write with and without
/// the snapshot running (the snapshot pauses the store's writes only while it opens its read versions).
/// </summary>
internal static class BackupBench
{
    public static async Task<int> RunAsync(Arguments a)
    {
        var runs = a.Int("runs") ?? 50;
        var weightsBytes = (a.Int("weights-kb") ?? 1700) * 1024;
        var checkpointBytes = (a.Int("checkpoint-kb") ?? 5100) * 1024;
        var rounds = a.Int("rounds") ?? 3;
        var dir = Directory.CreateTempSubdirectory("dashboard-backup-bench-").FullName;
        try
        {
            using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = Path.Combine(dir, "dashboard.db") }), NullLogger<RunStore>.Instance);
            var ids = Seed(store, runs, weightsBytes, checkpointBytes);
            var backups = new BackupService(store, NullLogger<BackupService>.Instance);
            var cap = new StorageCap(store, Options.Create(new RetentionOptions()));
            Console.WriteLine($"seeded {runs} runs, database {cap.DatabaseBytes() / 1e6:F1} MB (file + log)");

            for (var round = 1; round <= rounds; round++)
            {
                var idle = await SlowestWriteAsync(store, ids[0], TimeSpan.FromSeconds(3), during: null);
                var clock = new Stopwatch();
                string? path = null;
                var busy = await SlowestWriteAsync(store, ids[0], TimeSpan.Zero, during: async () =>
                {
                    clock.Start();
                    path = (await backups.TryWriteAsync())!.Value.Path;
                    clock.Stop();
                });
                var size = new FileInfo(path!).Length;
                File.Delete(path!);
                Console.WriteLine(FormattableString.Invariant(
                    $"round {round}: snapshot {size / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F2} s ({size / 1e6 / clock.Elapsed.TotalSeconds:F0} MB/s); slowest epoch append: {busy.Slowest.TotalMilliseconds:F1} ms during it ({busy.Count} appends), {idle.Slowest.TotalMilliseconds:F1} ms without ({idle.Count})"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static List<Guid> Seed(RunStore store, int runs, int weightsBytes, int checkpointBytes)
    {
        var random = new Random(42);
        var ids = new List<Guid>();
        for (var i = 0; i < runs; i++)
        {
            var id = store.Create(TrainingConfig.ReportControl, $"bench {i}").Id;
            for (var e = 1; e <= 10; e++) store.AppendEpoch(id, new EpochMetrics(e, 0.5, 0.4, 0.85, 15, 3000));
            var bytes = new byte[Math.Max(weightsBytes, checkpointBytes)];
            random.NextBytes(bytes);
            store.SaveWeights(id, bytes[..weightsBytes]);
            store.SaveCheckpoint(id, bytes[..checkpointBytes]);
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>Appends epochs to one run in a loop (one every 10 ms) for <paramref name="minimum"/> or while <paramref name="during"/> runs.</summary>
    private static async Task<(TimeSpan Slowest, int Count)> SlowestWriteAsync(RunStore store, Guid id, TimeSpan minimum, Func<Task>? during)
    {
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var slowest = TimeSpan.Zero;
            var count = 0;
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                store.AppendEpoch(id, new EpochMetrics(11 + count % 5, 0.5, 0.4, 0.85, 15, 3000));
                if (clock.Elapsed > slowest) slowest = clock.Elapsed;
                count++;
                Thread.Sleep(10);
            }
            return (slowest, count);
        });
        await Task.Delay(minimum);
        if (during is not null) await during();
        stop.Cancel();
        return await writer;
    }
}
