using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Storage;

/// <summary>The run database on a small real disk (tmpfs) that a filler file fills while a run trains.</summary>
[Collection(TrainingCollection.Name)]
public sealed class DiskFullTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 128, TrainSubset = 1000, Threads = 2 };

    [Fact]
    public async Task AFullDiskInterruptsOnlyTheRunThatHitItWhichResumesOnceSpaceIsFreed()
    {
        using var dir = new TempDirectory();
        using var disk = SmallDisk.Mount(Path.Combine(dir.Path, "disk"), megabytes: 48);
        await using var app = disk.StartDashboard(dir.Path);
        var intact = await app.WaitForFinishAsync(app.Training.Launch(Quick, "finished before the disk filled").Run!.Id);
        Assert.Equal(RunStatus.Completed, intact.Status);
        var intactWeights = app.Store.LoadWeights(intact.Id)!;

        var id = app.Training.Launch(Quick with { Epochs = 3 }, "hits the full disk").Run!.Id;
        var gate = RunGate.AfterEpoch(app, id, 1);
        Assert.Equal(id, await gate.Held);
        var filler = disk.Fill("filler");
        gate.Release();

        var stopped = await app.WaitForFinishAsync(id);
        // LiteDB's failed transaction must not end the process when it is finalised (it did, before RunStore forgot it).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(RunStatus.Interrupted, stopped.Status);
        Assert.Contains("disk full", stopped.StatusReason);
        Assert.Equal([1], stopped.Epochs.Select(e => e.Epoch));
        Assert.Equal(1, TrainingCheckpoint.FromBytes(app.Store.LoadCheckpoint(id)!).Epoch);
        Assert.Empty(app.Store.CheckArtifacts(stopped));
        // The other run and its artifacts are as they were, checksums included.
        Assert.Equal(intactWeights, app.Store.LoadWeights(intact.Id));
        Assert.Empty(app.Store.CheckArtifacts(app.Store.Get(intact.Id)!));
        Assert.Equal(RunStatus.Completed, app.Store.Get(intact.Id)!.Status);

        using var http = app.CreateHttpClient();
        var list = await http.GetAsync("api/runs");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(2, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total").GetInt32());

        File.Delete(filler);
        var resume = await http.PostAsync($"api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var resumed = await app.WaitForFinishAsync(id);
        Assert.True(resumed.Status == RunStatus.Completed, $"{resumed.Status}: {resumed.StatusReason}");
        Assert.Equal([1, 2, 3], resumed.Epochs.Select(e => e.Epoch));
        Assert.Empty(app.Store.CheckArtifacts(resumed));
        Assert.False(app.Store.HasCheckpoint(id));
    }
}
