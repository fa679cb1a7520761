using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Xunit.Abstractions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Web;

/// <summary>The real Dashboard.Web process, stopped with SIGTERM while it trains.</summary>
[Collection(TrainingCollection.Name)]
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigtermDuringABatchEndsWithin10SecondsWithTheRunInterruptedAndItsCheckpointKept()
    {
        using var dir = new TempDirectory();
        Guid id;
        await using (var dashboard = await DashboardProcess.StartAsync(dir.Path))
        {
            using var http = dashboard.CreateHttpClient();
            // ~3 s of batches per epoch on 2 cores, so the stop lands in epoch 2's batches.
            var config = TrainingConfig.ReportControl with { Epochs = 10, BatchSize = 128, TrainSubset = 10_000, Threads = 2 };
            var created = await http.PostAsJsonAsync("api/runs", new { config, name = "stopped by SIGTERM" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

            await WaitForEpochAsync(http, dashboard, id, epoch: 1, TimeSpan.FromMinutes(3));
            var clock = Stopwatch.StartNew();
            dashboard.Terminate();
            var exitCode = await dashboard.WaitForExitAsync(TimeSpan.FromSeconds(10));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the process took {clock.Elapsed.TotalSeconds:F1} s to stop");
            Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; output:\n{dashboard.Output}");
            output.WriteLine($"SIGTERM to exit: {clock.Elapsed.TotalSeconds:F2} s (exit code {exitCode})");
        }

        // The process is gone: its file is read as the next start would find it, before any recovery.
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = Path.Combine(dir.Path, "dashboard.db") }), NullLogger<RunStore>.Instance);
        var run = store.Get(id)!;
        Assert.Equal(RunStatus.Interrupted, run.Status);
        Assert.Contains(1, run.Epochs.Select(e => e.Epoch));
        var checkpoint = TrainingCheckpoint.FromBytes(store.LoadCheckpoint(id) ?? throw new Xunit.Sdk.XunitException("no checkpoint was kept"));
        Assert.Equal(run.Epochs.Max(e => e.Epoch), checkpoint.Epoch);
        Assert.Equal(run.Epochs.Select(e => e.Epoch), checkpoint.History.Select(e => e.Epoch));
        Assert.Empty(store.CheckArtifacts(run));
    }

    private static async Task WaitForEpochAsync(HttpClient http, DashboardProcess dashboard, Guid id, int epoch, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = "nothing yet";
        while (DateTime.UtcNow < deadline)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"api/runs/{id}");
            var epochs = run.GetProperty("epochs").GetArrayLength();
            seen = $"{run.GetProperty("status")} with {epochs} epoch(s)";
            if (epochs >= epoch) return;
            if (dashboard.HasExited) break;
            await Task.Delay(50);
        }
        throw new TimeoutException($"Run {id} did not finish epoch {epoch} in time; it was {seen}. Output:\n{dashboard.Output}");
    }
}
