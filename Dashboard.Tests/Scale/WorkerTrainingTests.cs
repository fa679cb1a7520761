using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Tests.Scale;

/// <summary>
/// Issue 13 end to end: a real PostgreSQL, the dashboard in Workers mode on loopback, and real Dashboard.Worker
/// processes that claim runs through Hangfire, train them with TorchSharp and report over the workers API.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class WorkerTrainingTests(ITestOutputHelper output, Browser browser) : IClassFixture<Browser>
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 128, TrainSubset = 1000, Threads = 1 };

    [Fact]
    public async Task ASixRunStudyCompletesAcrossTwoWorkersWithEveryArtifact()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var dir = new TempDirectory();
        await using var app = WorkerCluster.StartDashboard(dir.Path, postgres);
        await using var a = await WorkerCluster.StartWorkerAsync("worker-a", app, postgres);
        await using var b = await WorkerCluster.StartWorkerAsync("worker-b", app, postgres);

        var launched = app.Services.GetRequiredService<StudyService>().Launch(new StudyDesign
        {
            Name = "across workers",
            Control = Quick,
            Alternatives = new StudyAlternatives { LearningRates = [0.005, 0.02, 0.05], WeightDecays = [0.001, 0.01] },
        });
        Assert.True(launched.Succeeded, string.Join("; ", launched.Plan.Errors.Select(e => e.Message)));
        var ids = launched.Study!.Members.Select(m => m.RunId).ToList();
        Assert.Equal(6, ids.Count);

        var runs = new List<Run>();
        foreach (var id in ids) runs.Add(await WaitForStatusAsync(app, id, RunStatus.Completed, TimeSpan.FromMinutes(6), a, b));

        foreach (var run in runs)
        {
            Assert.Equal([1], run.Epochs.Select(e => e.Epoch));
            Assert.True(run.HasWeights, $"{run.Name} has no weights");
            Assert.NotNull(run.Report);
            Assert.NotNull(run.Confusion);
            Assert.NotNull(app.Store.LoadEvaluation(run.Id));
            Assert.Equal(1, run.Environment!.Threads);
        }
        // Both workers trained some of them, and each run names the one that did.
        var byWorker = runs.GroupBy(r => r.Worker!.Split(':')[0]).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", byWorker.Select(kv => $"{kv.Key}: {kv.Value}")));
        Assert.Equal(["worker-a", "worker-b"], byWorker.Keys.Order());

        // The Workers page lists both, and a run's page names its worker.
        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "workers"));
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=worker-row]').length === 2",
            null, new Microsoft.Playwright.PageWaitForFunctionOptions { Timeout = 15_000 });
        await Browser.ScreenshotAsync(page, "workers");
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, $"runs/{runs[0].Id}"));
        Assert.Contains("worker worker-", await page.GetByTestId("run-worker").First.TextContentAsync());
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AKilledWorkersRunIsInterruptedQueuedAgainAndResumedOnAnotherWithEveryEpochOnce()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var dir = new TempDirectory();
        await using var app = WorkerCluster.StartDashboard(dir.Path, postgres);
        await using var a = await WorkerCluster.StartWorkerAsync("worker-a", app, postgres);

        var run = app.Training.Launch(Quick with { Epochs = 4, TrainSubset = 2000 }, "survives its worker").Run!;
        // Only worker A is there: it claims the run. Kill it once epoch 1 and its checkpoint are stored.
        await Poll.UntilAsync(() => app.Store.Get(run.Id) is { Epochs.Count: >= 1 } r && r.Worker!.StartsWith("worker-a"), TimeSpan.FromMinutes(3),
            "worker A has stored epoch 1", () => $"run is {app.Store.Get(run.Id)?.Status} with {app.Store.Get(run.Id)?.Epochs.Count} epoch(s), worker {app.Store.Get(run.Id)?.Worker}; A printed:\n{a.Tail()}");
        var epochOne = app.Store.Get(run.Id)!.Epochs[0];
        var lost = new System.Collections.Concurrent.ConcurrentQueue<(DateTime At, string? Reason)>();
        using var watch = app.Notifier.Subscribe(e =>
        {
            if (e is Dashboard.Web.Events.RunFinished { Status: RunStatus.Interrupted } f && f.RunId == run.Id) lost.Enqueue((DateTime.UtcNow, f.Reason));
        });
        await a.KillAsync();
        var killedAt = DateTime.UtcNow;
        await using var b = await WorkerCluster.StartWorkerAsync("worker-b", app, postgres);

        var done = await WaitForStatusAsync(app, run.Id, RunStatus.Completed, TimeSpan.FromMinutes(4), b);
        // Given up on once (after Workers:LostAfterSeconds of silence), then resumed by B from epoch 1's checkpoint.
        var (at, reason) = Assert.Single(lost);
        output.WriteLine($"Given up on {(at - killedAt).TotalSeconds:0.0} s after the kill: {reason}");
        Assert.Contains("worker-a", reason);
        Assert.Contains("was lost", reason);
        Assert.InRange((at - killedAt).TotalSeconds, 5, 30);
        Assert.Equal([1, 2, 3, 4], done.Epochs.Select(e => e.Epoch));
        Assert.StartsWith("worker-b", done.Worker);
        Assert.True(done.HasWeights);
        // Resumed, not retrained: epoch 1 is the one worker A stored.
        Assert.Equal(epochOne, done.Epochs[0]);
    }

    /// <summary>Waits until the run has <paramref name="status"/>; with <paramref name="acceptLater"/>, a later state of a resumed run counts too.</summary>
    private static async Task<Run> WaitForStatusAsync(DashboardApp app, Guid id, RunStatus status, TimeSpan timeout, WorkerProcess worker, bool acceptLater = false) =>
        await WaitForStatusAsync(app, id, status, timeout, [worker], acceptLater);

    private static async Task<Run> WaitForStatusAsync(DashboardApp app, Guid id, RunStatus status, TimeSpan timeout, WorkerProcess a, WorkerProcess b) =>
        await WaitForStatusAsync(app, id, status, timeout, [a, b], false);

    private static async Task<Run> WaitForStatusAsync(DashboardApp app, Guid id, RunStatus status, TimeSpan timeout, WorkerProcess[] workers, bool acceptLater)
    {
        Run? seen = null;
        await Poll.UntilAsync(() =>
        {
            seen = app.Store.Get(id);
            return seen?.Status == status || (acceptLater && seen?.StatusReason?.Contains("was lost", StringComparison.Ordinal) == true);
        }, timeout, $"run {id} is {status}", () => $"run {id} is {seen?.Status} ({seen?.StatusReason}), worker {seen?.Worker}, {seen?.Epochs.Count} epoch(s). Workers printed:\n" +
            string.Join("\n---\n", workers.Select(w => $"{w.Name}:\n{w.Tail()}")));
        return seen!;
    }
}
