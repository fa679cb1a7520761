using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Xunit.Abstractions;

namespace Dashboard.Tests.Studies;

/// <summary>What a test saw happen to each run of a halving study, from the app's own events.</summary>
internal sealed class HalvingWitness
{
    public ConcurrentQueue<(Guid Run, int Epoch)> Trained { get; } = new();
    /// <summary>Each pause: the run's stored epochs, training time and checkpoint epoch at that moment.</summary>
    public ConcurrentQueue<(Guid Run, List<EpochMetrics> Epochs, double Seconds, int CheckpointEpoch)> Pauses { get; } = new();
    /// <summary>Each session's start: the run's reason then, and the worker that claimed it (null in-process).</summary>
    public ConcurrentQueue<(Guid Run, string? Reason, string? Worker)> Starts { get; } = new();

    public HalvingWitness(DashboardApp app)
    {
        app.Notifier.Subscribe(e =>
        {
            switch (e)
            {
                case RunEpochCompleted c: Trained.Enqueue((c.RunId, c.Metrics.Epoch)); break;
                case RunStarted s:
                    var started = app.Store.Get(s.RunId);
                    Starts.Enqueue((s.RunId, started?.StatusReason, started?.Worker));
                    break;
                case RunFinished { Status: RunStatus.Paused } p:
                    var run = app.Store.Get(p.RunId)!;
                    Pauses.Enqueue((p.RunId, run.Epochs.ToList(), run.TrainingSeconds!.Value, TrainingCheckpoint.FromBytes(app.Store.LoadCheckpoint(p.RunId)!).Epoch));
                    break;
            }
        });
    }
}

/// <summary>
/// Launching a halving study through the API, waiting for it, and the checks every halving study must pass
/// whatever runs its queue (this process or training workers).
/// </summary>
internal static class HalvingStudyChecks
{
    /// <summary>A grid of (control + learning rates) × (control + weight decays) trials on <paramref name="trainSubset"/> images.</summary>
    public static object Design(string name, int minEpochs, int maxEpochs, int reduction, double[] learningRates, double[] weightDecays, int trainSubset = 1500) => new
    {
        name,
        mode = "Halving",
        control = new { epochs = maxEpochs, batchSize = 128, learningRate = 0.001, weightDecay = 0.0001 },
        alternatives = new { learningRates, weightDecays },
        quick = new { trainSubset },
        halving = new { trials = "Grid", minEpochs, maxEpochs, reduction },
    };

    public static async Task<Guid> LaunchAsync(HttpClient http, object design)
    {
        var response = await http.PostAsJsonAsync("api/studies", design);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// Waits until the study has <paramref name="status"/> and the coordinator has recorded the last rung of every
    /// completed trial (a moment after the run's end, which alone decides the study's status).
    /// </summary>
    public static async Task<JsonElement> WaitForStudyAsync(HttpClient http, Guid id, string status, TimeSpan timeout, Func<string>? more = null)
    {
        JsonElement detail = default;
        // Every half second: each look is an API call, and training may share the process.
        await Poll.UntilAsync(() =>
        {
            detail = http.GetFromJsonAsync<JsonElement>($"api/studies/{id}").GetAwaiter().GetResult();
            var completedRuns = detail.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Completed");
            var completedTrials = detail.GetProperty("rungs").EnumerateArray().Count(r => r.GetProperty("outcome").GetString() == "Completed");
            return detail.GetProperty("status").GetString() == status && completedRuns == completedTrials;
        }, timeout, $"the study is {status} with every rung recorded",
            () => $"it is {detail.GetProperty("status")} with progress {detail.GetProperty("progress")} and {detail.GetProperty("rungs").GetArrayLength()} rung results{more?.Invoke()}",
            TimeSpan.FromMilliseconds(500));
        return detail;
    }

    /// <summary>
    /// Every trial reached rung 1; at each rung the best max(1, ⌊m/η⌋) continued and every other was promoted early or
    /// stopped; a stopped trial is StoppedEarly with its reason, its epochs up to the rung, its report and no checkpoint;
    /// the trials trained to the end completed; every trial ended one way or the other.
    /// </summary>
    public static void RungsFollowTheScheduler(Study study, IReadOnlyDictionary<int, Run> runs, RunStore store, IReadOnlyList<int> rungs, int reduction, ITestOutputHelper output)
    {
        foreach (var r in study.Rungs.OrderBy(r => r.Rung).ThenByDescending(r => r.Accuracy))
            output.WriteLine($"rung {r.Rung + 1} group {r.Group}: {r.Accuracy:P2} {r.Outcome} {r.Reason} (run trained by {runs[r.Group].Worker ?? "this process"})");

        Assert.Equal(runs.Count, study.Rungs.Count(r => r.Rung == 0));
        for (var k = 0; k < rungs.Count - 1; k++)
        {
            var at = AshaScheduler.Ranked(study.Rungs.Where(r => r.Rung == k));
            var quota = Math.Max(1, at.Count / reduction);
            Assert.All(at.Take(quota), r => Assert.Equal(RungOutcome.Promoted, r.Outcome));
            Assert.All(at, r => Assert.Contains(r.Outcome, new[] { RungOutcome.Promoted, RungOutcome.Stopped }));
            foreach (var r in at)
            {
                var run = runs[r.Group];
                if (r.Outcome == RungOutcome.Promoted)
                {
                    Assert.Contains(study.Rungs, next => next.Group == r.Group && next.Rung == k + 1);
                    continue;
                }
                // Stopped at this rung: its own status, the reason, its curves up to the rung, its report, no checkpoint.
                Assert.Equal(RunStatus.StoppedEarly, run.Status);
                Assert.Equal(r.Reason, run.StatusReason);
                Assert.StartsWith($"Stopped early at epoch {rungs[k]} (rung {k + 1} of {rungs.Count}): ", run.StatusReason);
                Assert.Equal(Enumerable.Range(1, rungs[k]), run.Epochs.Select(e => e.Epoch));
                Assert.Equal(run.Epochs[^1].TestAccuracy, run.Report!.Accuracy, 1e-9);
                Assert.True(run.HasWeights && run.Confusion is not null);
                Assert.False(store.HasCheckpoint(run.Id));
            }
        }
        var finished = study.Rungs.Where(r => r.Rung == rungs.Count - 1).ToList();
        Assert.NotEmpty(finished);
        Assert.All(finished, r => Assert.Equal((RunStatus.Completed, rungs[^1], RungOutcome.Completed), (runs[r.Group].Status, runs[r.Group].Epochs.Count, r.Outcome)));
        Assert.All(finished, r => Assert.True(runs[r.Group] is { Report: not null, Confusion: not null, HasWeights: true }, $"{runs[r.Group].Name} completed without its report or weights"));
        Assert.Equal(runs.Count, runs.Values.Count(r => r.Status is RunStatus.Completed or RunStatus.StoppedEarly));
    }

    /// <summary>No epoch of any run was trained twice, and the study spent between the synchronous budget and its worst case.</summary>
    public static void NoEpochTrainedTwice(HalvingWitness witness, IReadOnlyDictionary<int, Run> runs, IReadOnlyList<int> rungs, int reduction, ITestOutputHelper output)
    {
        var trained = witness.Trained.ToList();
        Assert.Equal(trained.Count, trained.Distinct().Count());
        foreach (var run in runs.Values) Assert.Equal(run.Epochs.Select(e => e.Epoch), trained.Where(t => t.Run == run.Id).Select(t => t.Epoch).Order());
        var budget = AshaScheduler.Budget(runs.Count, rungs, reduction);
        output.WriteLine($"epochs trained: {trained.Count} (all to the end {budget.Full}, expected {budget.Expected}, at worst {budget.WorstCase})");
        Assert.InRange(trained.Count, budget.Expected, budget.WorstCase);
    }

    /// <summary>
    /// Each continued trial went on from the checkpoint of its pause: its earlier epochs are those stored at the
    /// pause, unchanged to the tick, and the training time it added is that of its new epochs only.
    /// </summary>
    public static void ContinuedFromTheirCheckpoints(HalvingWitness witness, Study study, RunStore store)
    {
        var pauses = witness.Pauses.ToList();
        Assert.Equal(study.Rungs.Count(r => r.Outcome != RungOutcome.Completed), pauses.Count);
        foreach (var (runId, before, seconds, checkpointEpoch) in pauses)
        {
            var run = store.Get(runId)!;
            Assert.Equal(before.Count, checkpointEpoch);
            Assert.Equal(before, run.Epochs.Take(before.Count));
            if (run.Epochs.Count == before.Count) continue; // stopped here
            Assert.Contains(witness.Starts, s => s.Run == runId && s.Reason == $"Resumed after epoch {checkpointEpoch}.");
            var added = run.Epochs.Skip(before.Count).Sum(e => e.Seconds);
            var earlier = before.Sum(e => e.Seconds);
            Assert.True(Math.Abs(run.TrainingSeconds!.Value - seconds - added) < earlier / 2,
                $"{run.Name} took {run.TrainingSeconds:F3} s after {seconds:F3} s at its pause: {run.TrainingSeconds - seconds:F3} s more for new epochs of {added:F3} s (its earlier epochs took {earlier:F3} s)");
        }
    }
}
