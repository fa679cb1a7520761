using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Operations;

public sealed class DatabaseLockTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, TrainSubset = 1000 };

    [Fact]
    public async Task ASecondProcessOnTheSameDatabaseExitsNamingTheFileAndTheHolderAndChangesNothing()
    {
        using var dir = new TempDirectory();
        using var first = new DashboardApp(dir.Path);
        // What a second instance used to change: a running run (it marked it Interrupted) and a queued one (it queued it again).
        var running = new Run { Id = Guid.NewGuid(), Name = "running here", Config = Quick, Status = RunStatus.Running, CreatedUtc = DateTime.UtcNow, StartedUtc = DateTime.UtcNow };
        var queued = new Run { Id = Guid.NewGuid(), Name = "waiting here", Config = Quick, Status = RunStatus.Queued, CreatedUtc = DateTime.UtcNow };
        first.Store.InsertMany([running, queued]);
        var database = first.Store.DatabasePath;

        await using var second = DashboardProcess.Launch(database);
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(database, second.Errors);
        Assert.Contains($"process id {Environment.ProcessId}", second.Errors);
        Assert.Equal(RunStatus.Running, first.Store.Get(running.Id)!.Status);
        Assert.Null(first.Store.Get(running.Id)!.StatusReason);
        Assert.Equal(RunStatus.Queued, first.Store.Get(queued.Id)!.Status);
        Assert.Equal(2, first.Store.Count());
    }

    [Fact]
    public void ASecondAppInTheSameProcessIsRefusedAndTheLockIsReleasedOnDispose()
    {
        using var dir = new TempDirectory();
        var database = Path.Combine(dir.Path, "dashboard.db");
        using (var first = new DashboardApp(dir.Path))
        {
            // Program.cs stops before the host starts, which the test factory reports as an entry point that exited.
            Assert.ThrowsAny<Exception>(() => new DashboardApp(dir.Path));
            Assert.Null(DatabaseLock.TryAcquire(database, out var holder));
            Assert.Equal(Environment.ProcessId, holder!.ProcessId);
            Assert.Contains(first.BaseAddress.ToString().TrimEnd('/'), holder.Addresses);
        }
        Assert.False(File.Exists(DatabaseLock.OwnerPath(database)));

        using var restarted = new DashboardApp(dir.Path);
        Assert.Equal(0, restarted.Store.Count());
    }

    [Fact]
    public async Task ALockLeftByAKilledProcessDoesNotBlockTheNextStart()
    {
        using var dir = new TempDirectory();
        var database = Path.Combine(dir.Path, "dashboard.db");
        await using (var crashed = DashboardProcess.Launch(database))
        {
            await crashed.WaitUntilAsync(() => OwnerAddresses(database) > 0, TimeSpan.FromSeconds(90), "the dashboard to publish its address");
            crashed.Kill();
            await crashed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        // kill -9 ran no clean-up: the lock file and the dead process's owner file are still there.
        Assert.True(File.Exists(DatabaseLock.LockPath(database)));
        Assert.True(File.Exists(DatabaseLock.OwnerPath(database)));

        using var next = new DashboardApp(dir.Path);
        var owner = JsonSerializer.Deserialize<LockOwner>(File.ReadAllText(DatabaseLock.OwnerPath(database)))!;
        Assert.Equal(Environment.ProcessId, owner.ProcessId);
    }

    private static int OwnerAddresses(string database)
    {
        try
        {
            return JsonSerializer.Deserialize<LockOwner>(File.ReadAllText(DatabaseLock.OwnerPath(database)))?.Addresses.Count ?? 0;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return 0;
        }
    }
}
