using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

[Collection(TrainingCollection.Name)]
public sealed class OperationsApiTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 64, TrainSubset = 1000, Threads = 2 };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [Fact]
    public async Task StatusReportsSizesByKindFreeDiskTheQueueAndRetention()
    {
        using var dir = new TempDirectory();
        using var app = new DashboardApp(dir.Path, new Dictionary<string, string?>
        {
            ["Retention:CheckpointMaxAgeDays"] = "7",
            ["Retention:Interval"] = "00:10:00",
            ["Retention:MaxDatabaseBytes"] = "1000000000",
        });
        var a = Seeded(app, RunStatus.Completed);
        var b = Seeded(app, RunStatus.Cancelled);
        app.Store.SaveWeights(a, new byte[1000]);
        app.Store.SaveWeights(b, new byte[500]);
        app.Store.SaveCheckpoint(b, new byte[2000]);
        using (var evaluation = new MemoryStream(new byte[300]))
            app.Store.Database.FileStorage.Upload("evaluations/" + a.ToString("N"), "a.eval", evaluation);
        // Stored as queued without being handed to the training service: they wait in the count.
        Seeded(app, RunStatus.Queued);
        Seeded(app, RunStatus.Queued);

        // Held after its first epoch, so a run is training while the status is read.
        var training = app.Training.Launch(Quick with { Epochs = 2 }, "in training").Run!.Id;
        var gate = RunGate.AfterEpoch(app, training, 1);
        await gate.Held;
        StatusReport status;
        try
        {
            using var http = app.CreateHttpClient();
            status = (await http.GetFromJsonAsync<StatusReport>("api/status", Json))!;
        }
        finally
        {
            gate.Release();
        }

        Assert.Equal(app.Store.DatabasePath, status.DatabasePath);
        Assert.True(status.DatabaseBytes >= new FileInfo(app.Store.DatabasePath).Length, $"{status.DatabaseBytes} bytes");
        // The run in training has stored its epoch-1 checkpoint with the epoch, before the gate held it.
        var trainingCheckpoint = app.Store.LoadCheckpoint(training)!.Length;
        Assert.Equal(new ArtifactBytes(Weights: 1500, Checkpoints: 2000 + trainingCheckpoint, Evaluations: 300, Other: 0), status.ArtifactBytes);
        var free = new DriveInfo(dir.Path).AvailableFreeSpace;
        Assert.InRange(status.FreeDiskBytes!.Value, free - 500_000_000, free + 500_000_000);
        Assert.Equal(training, status.Queue.Running!.Id);
        Assert.Equal(2, status.Queue.Running.TotalEpochs);
        Assert.Equal(1, status.Queue.Running.Progress!.Epoch);
        Assert.Equal(2, status.Queue.QueuedCount);
        Assert.Equal(7, status.Retention.CheckpointMaxAgeDays);
        Assert.Equal(TimeSpan.FromMinutes(10), status.Retention.Interval);
        Assert.Equal(1_000_000_000, status.Retention.MaxDatabaseBytes);
        Assert.Null(status.Retention.LaunchRefusal);
        Assert.NotNull(status.Retention.LastPass);
    }

    [Fact]
    public async Task AtTheSizeCapNewRunsAndResumesAreRefusedNamingTheSettingAndNothingIsStored()
    {
        using var dir = new TempDirectory();
        using var app = new DashboardApp(dir.Path, new Dictionary<string, string?> { ["Retention:MaxDatabaseBytes"] = "1" });
        var cancelled = Seeded(app, RunStatus.Cancelled);
        using var http = app.CreateHttpClient();

        var launch = await http.PostAsJsonAsync("api/runs", new { config = Quick, name = "too much" });
        var resume = await http.PostAsync($"api/runs/{cancelled}/resume", null);

        Assert.Equal(HttpStatusCode.BadRequest, launch.StatusCode);
        Assert.Contains("Retention:MaxDatabaseBytes", await launch.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, resume.StatusCode);
        Assert.Contains("Retention:MaxDatabaseBytes", await resume.Content.ReadAsStringAsync());
        Assert.Equal(1, app.Store.Count());
        Assert.Equal(RunStatus.Cancelled, app.Store.Get(cancelled)!.Status);
        var status = (await http.GetFromJsonAsync<StatusReport>("api/status", Json))!;
        Assert.Contains("Retention:MaxDatabaseBytes", status.Retention.LaunchRefusal);
    }

    [Fact]
    public async Task AfterRetentionRemovedItsCheckpointAResumedRunStartsOver()
    {
        using var dir = new TempDirectory();
        using var app = new DashboardApp(dir.Path);
        var id = Seeded(app, RunStatus.Cancelled, finishedDaysAgo: 40, config: Quick with { Epochs = 2 });
        app.Store.AppendEpoch(id, new EpochMetrics(1, 0.6, 0.5, 0.8, 10, 100));
        app.Store.SaveCheckpoint(id, new byte[100]);

        var pass = app.Services.GetRequiredService<RetentionService>().Apply();
        Assert.Equal(id, Assert.Single(pass.Removed).RunId);

        var gate = RunGate.AtStart(app);
        using var http = app.CreateHttpClient();
        var resume = await http.PostAsync($"api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Contains("start over: its checkpoint was removed", await resume.Content.ReadAsStringAsync());
        try
        {
            Assert.Equal(id, await gate.Held);
            Assert.Empty(app.Store.Get(id)!.Epochs);
            app.Training.Cancel(id);
        }
        finally
        {
            gate.Release();
        }
        Assert.Equal(RunStatus.Cancelled, (await app.WaitForFinishAsync(id)).Status);
    }

    [Fact]
    public async Task TheBackupEndpointServesLoopbackOnly()
    {
        using var dir = new TempDirectory();
        // The in-memory test server's requests come from no address at all, as a remote caller is not loopback.
        await using var remote = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("Storage:DatabasePath", dir.File("dashboard.db"))
            .UseSetting("Dataset:AllowDownload", "false"));
        var response = await remote.CreateClient().GetAsync(OperationsApi.BackupPath);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("loopback", await response.Content.ReadAsStringAsync());
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp*"));
    }

    [Fact]
    public void AnInvalidRetentionSettingStopsTheAppNamingIt()
    {
        using var dir = new TempDirectory();
        var e = Assert.ThrowsAny<Exception>(() => new DashboardApp(dir.Path, new Dictionary<string, string?> { ["Retention:CheckpointMaxAgeDays"] = "-1" }));
        Assert.Contains("Retention:CheckpointMaxAgeDays", e.ToString());
    }

    private static Guid Seeded(DashboardApp app, RunStatus status, double finishedDaysAgo = 0, TrainingConfig? config = null)
    {
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = $"{status} run",
            Config = config ?? Quick,
            Status = status,
            CreatedUtc = DateTime.UtcNow.AddDays(-finishedDaysAgo - 1),
            FinishedUtc = status is RunStatus.Queued ? null : DateTime.UtcNow.AddDays(-finishedDaysAgo),
        };
        app.Store.InsertMany([run]);
        return run.Id;
    }
}
