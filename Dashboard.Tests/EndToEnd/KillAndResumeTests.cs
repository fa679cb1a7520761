extern alias bench;

using bench::Dashboard.Bench.Harness;
using Dashboard.Tests.Training;
using Xunit.Abstractions;

namespace Dashboard.Tests.EndToEnd;

/// <summary>
/// A reduced kill storm (bench: kill-storm) against the real dashboard process: kill -9 mid-batch, while
/// an epoch's checkpoint is written and while the run finishes, restart and resume each time. The run must
/// complete with each epoch once, and its downloaded weights must evaluate to its stored accuracy.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class KillAndResumeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ARunKilledThreeTimesCompletesWithEveryEpochOnceAndWeightsThatMatchItsAccuracy()
    {
        var log = new StringWriter();
        var report = await KillStorm.RunAsync(new KillStormOptions
        {
            Runs = 1,
            Epochs = 2,
            TrainSubset = 1000,
            Phases = [KillPhase.MidBatch, KillPhase.Checkpoint, KillPhase.Finishing],
            Deadline = TimeSpan.FromMinutes(8),
            AimTimeout = TimeSpan.FromMinutes(2),
        }, log);
        KillStorm.Print(report, log);
        output.WriteLine(log.ToString());

        Assert.True(report.Passed, $"Violations:\n{string.Join('\n', report.Violations)}\n\nLog:\n{log}");
        Assert.Empty(report.NotPlaced);
        Assert.Equal(3, report.Kills.Count);
        var run = Assert.Single(report.Runs);
        Assert.Equal("Completed", run.Status);
        Assert.Equal([1, 2], run.Epochs.Order());
    }
}
