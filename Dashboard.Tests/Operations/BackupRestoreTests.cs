using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Operations;

[Collection(TrainingCollection.Name)]
public sealed class BackupRestoreTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 64, TrainSubset = 1000, Threads = 2 };

    [Fact]
    public async Task ABackupTakenWhileARunTrainsRestoresEveryRunStudyAndArtifactByteForByte()
    {
        using var dir = new TempDirectory();
        using var fresh = new TempDirectory();
        var backupFile = Path.Combine(fresh.Path, "backup.db");
        var restoredDb = Path.Combine(fresh.Path, "restored", "dashboard.db");
        using var app = new DashboardApp(dir.Path);

        var completed = app.Training.Launch(Quick, "completed").Run!.Id;
        Assert.Equal(RunStatus.Completed, (await app.WaitForFinishAsync(completed)).Status);
        var cancelled = await CancelledAfterOneEpochAsync(app);
        app.Store.SetTags(completed, ["baseline", "keep"]);
        app.Store.SetNote(completed, "Kept for the report — ünïcode too.");
        var studyId = Guid.NewGuid();
        app.Services.GetRequiredService<StudyStore>().Insert(new Study
        {
            Id = studyId,
            Name = "one-group study",
            CreatedUtc = DateTime.UtcNow,
            Members = [new StudyMember { Group = 1, RunId = completed, Label = "control", Config = Quick }],
        });
        app.Store.SetStudy(completed, studyId, 1);

        // A third run held in training (after its first epoch is stored) while the backup is taken.
        var training = app.Training.Launch(Quick with { Epochs = 2 }, "training").Run!.Id;
        var gate = RunGate.AfterEpoch(app, training, 1);
        Assert.Equal(training, await gate.Held);
        Dictionary<string, List<string>> expected;
        try
        {
            await using var backup = DashboardProcess.Command(app.Store.DatabasePath, "backup", backupFile);
            Assert.True(await backup.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, backup.Output + backup.Errors);
            Assert.Contains($"running dashboard (process id {Environment.ProcessId}", backup.Output);
            expected = Dump(app.Store.Database);
        }
        finally
        {
            gate.Release();
        }

        await using (var restore = DashboardProcess.Command(restoredDb, "restore", backupFile))
            Assert.True(await restore.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, restore.Output + restore.Errors);

        using (var restored = new LiteDatabase(new ConnectionString { Filename = restoredDb, ReadOnly = true }))
        {
            var actual = Dump(restored);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (collection, documents) in expected) Assert.Equal(documents, actual[collection]);
        }
        // The same through the dashboard's own reading: artifacts, tags, note, study.
        using var reopened = new RunStore(Options.Create(new StorageOptions { DatabasePath = restoredDb }), NullLogger<RunStore>.Instance);
        Assert.Equal(app.Store.LoadWeights(completed), reopened.LoadWeights(completed));
        Assert.Equal(app.Store.LoadCheckpoint(cancelled), reopened.LoadCheckpoint(cancelled));
        Assert.NotNull(reopened.LoadCheckpoint(cancelled));
        Assert.Equal(new[] { "baseline", "keep" }, reopened.Get(completed)!.Tags);
        Assert.Equal("Kept for the report — ünïcode too.", reopened.Get(completed)!.Note);
        Assert.Equal(RunStatus.Running, reopened.Get(training)!.Status);
        Assert.Single(reopened.Get(training)!.Epochs);
        Assert.Equal("one-group study", new StudyStore(reopened).Get(studyId)!.Name);
    }

    [Fact]
    public async Task RestoreIsRefusedWhileADashboardHoldsTheDatabaseAndChangesNothing()
    {
        using var dir = new TempDirectory();
        using var app = new DashboardApp(dir.Path);
        app.Store.InsertMany([new Run { Id = Guid.NewGuid(), Name = "kept", Config = Quick, Status = RunStatus.Completed, CreatedUtc = DateTime.UtcNow }]);
        // In this process the lock is held by the app, so the command asks it over HTTP, like from another process.
        var backupFile = Path.Combine(dir.Path, "backup.db");
        var message = await DashboardCommands.BackupAsync(app.Store.DatabasePath, backupFile);
        Assert.Contains("1 run(s)", message);

        var refused = Assert.Throws<CommandFailedException>(() => DashboardCommands.Restore(app.Store.DatabasePath, backupFile));
        Assert.Contains($"process id {Environment.ProcessId}", refused.Message);
        Assert.Contains(app.Store.DatabasePath, refused.Message);
        Assert.False(File.Exists(app.Store.DatabasePath + ".before-restore"));
        Assert.Equal(1, app.Store.Count());
    }

    [Fact]
    public void RestoreRefusesAFileThatIsNotADashboardDatabaseAndChangesNothing()
    {
        using var dir = new TempDirectory();
        var database = dir.File("dashboard.db");
        SeedDatabase(database, "original");
        var before = File.ReadAllBytes(database);

        var garbage = dir.File("garbage.db");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7)).ToArray());
        var notDashboard = dir.File("other.db");
        using (var other = new LiteDatabase(notDashboard)) other.GetCollection("customers").Insert(new BsonDocument { ["name"] = "x" });

        Assert.Contains("is not a LiteDB database", Assert.Throws<CommandFailedException>(() => DashboardCommands.Restore(database, garbage)).Message);
        Assert.Contains("no runs collection", Assert.Throws<CommandFailedException>(() => DashboardCommands.Restore(database, notDashboard)).Message);
        Assert.Contains("does not exist", Assert.Throws<CommandFailedException>(() => DashboardCommands.Restore(database, dir.File("missing.db"))).Message);
        Assert.Equal(before, File.ReadAllBytes(database));
        Assert.False(File.Exists(database + ".before-restore"));
    }

    [Fact]
    public async Task RestoreKeepsTheReplacedDatabaseAsideAndAnOfflineBackupNeedsNoDashboard()
    {
        using var dir = new TempDirectory();
        var database = dir.File("dashboard.db");
        var other = dir.File("other.db");
        SeedDatabase(database, "replaced");
        SeedDatabase(other, "restored");
        var backupFile = dir.File("backup.db");
        Assert.Contains("1 run(s)", await DashboardCommands.BackupAsync(other, backupFile));

        var message = DashboardCommands.Restore(database, backupFile);

        Assert.Contains(database + ".before-restore", message);
        Assert.Equal("restored", Names(database).Single());
        Assert.Equal("replaced", Names(database + ".before-restore").Single());
    }

    private static async Task<Guid> CancelledAfterOneEpochAsync(DashboardApp app)
    {
        var id = app.Training.Launch(Quick with { Epochs = 2 }, "cancelled").Run!.Id;
        var gate = RunGate.AfterEpoch(app, id, 1);
        await gate.Held;
        app.Training.Cancel(id);
        gate.Release();
        var run = await app.WaitForFinishAsync(id);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.True(app.Store.HasCheckpoint(id));
        return id;
    }

    private static void SeedDatabase(string path, string runName)
    {
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = path }), NullLogger<RunStore>.Instance);
        var id = store.Create(Quick, runName).Id;
        store.SaveWeights(id, [1, 2, 3, 4]);
    }

    private static List<string> Names(string path)
    {
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = path }), NullLogger<RunStore>.Instance);
        return store.Query(new RunQuery()).Items.Select(r => r.Name).ToList();
    }

    /// <summary>Every document of every collection (file storage's chunks included) as LiteDB's JSON, in _id order.</summary>
    private static Dictionary<string, List<string>> Dump(LiteDatabase db) =>
        db.GetCollectionNames().ToDictionary(n => n, n => db.GetCollection(n).FindAll()
            .Select(d => LiteDB.JsonSerializer.Serialize(d)).Order(StringComparer.Ordinal).ToList());
}
