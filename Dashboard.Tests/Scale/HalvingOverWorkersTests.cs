using Dashboard.Tests.Studies;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Tests.Scale;

/// <summary>
/// Issue 14 over issue 13: a halving study whose trials are trained by real Dashboard.Worker processes. Each rung's pause
/// ends a worker's session; a promoted trial is queued again and continued from its checkpoint by whichever worker
/// claims it, and the others are stopped by the dashboard, exactly as in-process (<see cref="HalvingStudyTests"/>).
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class HalvingOverWorkersTests(ITestOutputHelper output)
{
    private static readonly int[] Rungs = [1, 2, 4];
    private const int Reduction = 2;

    [Fact]
    public async Task AHalvingStudyTrainedByTwoWorkersStopsTrialsAtTheirRungsAndContinuesTheBestFromTheirCheckpoints()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var dir = new TempDirectory();
        await using var app = WorkerCluster.StartDashboard(dir.Path, postgres);
        var witness = new HalvingWitness(app);
        await using var a = await WorkerCluster.StartWorkerAsync("worker-a", app, postgres);
        await using var b = await WorkerCluster.StartWorkerAsync("worker-b", app, postgres);
        using var http = app.CreateHttpClient();

        // Six trials (2 learning rates × 3 weight decays) on 1,200 images, rungs at epochs 1, 2 and 4, η = 2:
        // 11 epochs if each rung kept exactly its best half, at worst 19.
        var id = await HalvingStudyChecks.LaunchAsync(http,
            HalvingStudyChecks.Design("asha over workers", minEpochs: 1, maxEpochs: 4, Reduction, learningRates: [0.003], weightDecays: [0.001, 0.0], trainSubset: 1200));
        var detail = await HalvingStudyChecks.WaitForStudyAsync(http, id, "Completed", TimeSpan.FromMinutes(12),
            () => $". Workers printed:\n{a.Name}:\n{a.Tail()}\n---\n{b.Name}:\n{b.Tail()}");

        Assert.Equal(Rungs, detail.GetProperty("rungEpochs").EnumerateArray().Select(e => e.GetInt32()));
        var study = app.Services.GetRequiredService<StudyStore>().Get(id)!;
        Assert.Equal(study.Rungs.Count, detail.GetProperty("rungs").GetArrayLength());
        var runs = study.Members.ToDictionary(m => m.Group, m => app.Store.Get(m.RunId)!);
        Assert.Equal(6, runs.Count);

        HalvingStudyChecks.RungsFollowTheScheduler(study, runs, app.Store, Rungs, Reduction, output);
        HalvingStudyChecks.NoEpochTrainedTwice(witness, runs, Rungs, Reduction, output);
        HalvingStudyChecks.ContinuedFromTheirCheckpoints(witness, study, app.Store);
        EverySessionWasAWorkers(witness, runs);
        foreach (var worker in new[] { a, b })
        {
            // Every continuation found its checkpoint, no report was refused, nothing failed.
            Assert.DoesNotContain("starts over", worker.Output);
            Assert.DoesNotContain("refused a report", worker.Output);
            Assert.DoesNotContain("fail:", worker.Output);
        }
    }

    /// <summary>
    /// Every session of every trial (the first, and each continuation after a rung) was claimed by one of the two workers,
    /// each run names the worker of its last session, and both workers trained.
    /// </summary>
    private void EverySessionWasAWorkers(HalvingWitness witness, IReadOnlyDictionary<int, Run> runs)
    {
        var starts = witness.Starts.ToList();
        foreach (var run in runs.Values)
        {
            var sessions = starts.Where(s => s.Run == run.Id).ToList();
            output.WriteLine($"{run.Name}: {run.Status} after {run.Epochs.Count} epoch(s), sessions on {string.Join(", ", sessions.Select(s => s.Worker))}");
            // Its first session, and one more for each rung it was promoted from.
            Assert.Equal(1 + Rungs.Count(r => r < run.Epochs.Count), sessions.Count);
            Assert.All(sessions, s => Assert.Matches("^worker-[ab]", s.Worker ?? "(none)"));
            Assert.Equal(sessions[^1].Worker, run.Worker);
            Assert.True(run.Environment is { Threads: 1 }, $"{run.Name} has environment {run.Environment}");
        }
        Assert.Equal(["worker-a", "worker-b"], starts.Select(s => s.Worker!.Split(':')[0]).Distinct().Order());
    }
}
