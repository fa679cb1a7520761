using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Web;

[Collection(TrainingCollection.Name)]
public sealed class RestartTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 64, TrainSubset = 1000, Threads = 2 };

    [Fact]
    public async Task AfterACrashRunningRunsAreInterruptedAndQueuedRunsTrainInOrderPastAFailure()
    {
        using var dir = new TempDirectory();
        Guid running, broken, queued;
        // The state a crash leaves behind, written straight to the database file.
        using (var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = Path.Combine(dir.Path, "dashboard.db") }), NullLogger<RunStore>.Instance))
        {
            running = store.Create(Quick, "was running").Id;
            store.Update(running, r => r with { Status = RunStatus.Running, StartedUtc = DateTime.UtcNow });
            store.AppendEpoch(running, new EpochMetrics(1, 0.6, 0.5, 0.8, 10, 100));
            // Stored by an older version whose limits were looser: it must fail on its own and not stop the queue.
            broken = store.Create(Quick with { BatchSize = 0 }, "broken").Id;
            queued = store.Create(Quick, "queued").Id;
        }

        using var app = new DashboardApp(dir.Path);
        var interrupted = app.Store.Get(running)!;
        Assert.Equal(RunStatus.Interrupted, interrupted.Status);
        Assert.Single(interrupted.Epochs);

        var failed = await app.WaitForFinishAsync(broken);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("Batch size", failed.StatusReason);

        var completed = await app.WaitForFinishAsync(queued);
        Assert.Equal(RunStatus.Completed, completed.Status);
        Assert.True(completed.FinishedUtc > failed.FinishedUtc);
        Assert.Null(app.Training.Current);
    }

    [Fact]
    public async Task StoppingTheAppMidRunLeavesItInterruptedWithItsFinishedEpochs()
    {
        using var dir = new TempDirectory();
        Guid id;
        double firstEpochAccuracy;
        using (var app = new DashboardApp(dir.Path))
        {
            id = app.Training.Launch(Quick with { Epochs = 30, TrainSubset = 1000 }).Run!.Id;
            await Poll.UntilAsync(() => (app.Store.Get(id)?.Epochs.Count ?? 0) >= 1, TimeSpan.FromMinutes(2), "the first epoch is stored",
                () => Poll.Describe(app.Store, id));
            firstEpochAccuracy = app.Store.Get(id)!.Epochs[0].TestAccuracy;
        }

        using var restarted = new DashboardApp(dir.Path);
        var run = restarted.Store.Get(id)!;
        Assert.Equal(RunStatus.Interrupted, run.Status);
        Assert.True(run.Epochs.Count >= 1);
        Assert.Equal(firstEpochAccuracy, run.Epochs[0].TestAccuracy);
        Assert.Contains("stopped", run.StatusReason);
    }

    [Fact]
    public void ADatabaseFileThatIsNotLiteDbStopsStartUpWithItsName()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "dashboard.db");
        File.WriteAllText(path, "not a database at all, but somebody's data");

        var e = Assert.ThrowsAny<Exception>(() => new DashboardApp(dir.Path));

        Assert.Contains(path, e.ToString());
        Assert.Equal("not a database at all, but somebody's data", File.ReadAllText(path));
    }
}
