using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Studies;

/// <summary>
/// The coordinator on the app's real services and store, with the in-process queue not started: trials "train" by
/// being written Paused at their rung, so each decision can be checked one step at a time.
/// </summary>
public sealed class HalvingCoordinatorTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly BunitContext _ctx;

    public HalvingCoordinatorTests() => _ctx = new BunitContext().AddDashboardServices(_dir.Path);

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _dir.Dispose();
    }

    private RunStore Store => _ctx.Store();
    private HalvingCoordinator Coordinator => _ctx.Services.GetRequiredService<HalvingCoordinator>();
    private StudyStore Studies => _ctx.Services.GetRequiredService<StudyStore>();

    /// <summary>Six trials (3 learning rates × 2 weight decays), rungs at epochs 1, 3 and 9, η = 3.</summary>
    private Study Launch()
    {
        var launched = _ctx.Services.GetRequiredService<StudyService>().Launch(new StudyDesign
        {
            Name = "coordinated",
            Mode = StudyMode.Halving,
            Control = TrainingConfig.ReportControl with { TrainSubset = 500 },
            Alternatives = new StudyAlternatives { LearningRates = [0.003, 0.0003], WeightDecays = [0] },
            Halving = new HalvingSettings { MinEpochs = 1, MaxEpochs = 9, Reduction = 3 },
        });
        Assert.True(launched.Succeeded, string.Join(" ", launched.Plan.Errors.Select(e => e.Message)));
        return launched.Study!;
    }

    /// <summary>What the trainer and the store sink leave when a trial pauses at <paramref name="epoch"/>.</summary>
    private void Pause(Guid runId, int epoch, double accuracy)
    {
        Store.Update(runId, r => r with
        {
            Status = RunStatus.Paused,
            Epochs = [.. Enumerable.Range(1, epoch).Select(e => new EpochMetrics(e, 1.0, 0.5, accuracy - (epoch - e) * 0.01, 1, 1000))],
            Accuracy = accuracy,
        });
        Store.SaveCheckpoint(runId, [1, 2, 3]);
    }

    [Fact]
    public void TrialsAreQueuedToPauseAtTheFirstRungThenPromotedOrStoppedAsTheyArrive()
    {
        var study = Launch();
        var runs = study.Members.Select(m => m.RunId).ToList();
        Assert.All(runs, id => Assert.Equal((RunStatus.Queued, 1, 9), (Store.Get(id)!.Status, Store.Get(id)!.PauseAfterEpoch!.Value, Store.Get(id)!.Config.Epochs)));

        // Three arrive: the best of them (group 2) continues at once, to the next rung.
        Pause(runs[0], 1, 0.70);
        Pause(runs[1], 1, 0.80);
        Pause(runs[2], 1, 0.60);
        Coordinator.Advance(study.Id);
        var promoted = Store.Get(runs[1])!;
        Assert.Equal((RunStatus.Queued, 3), (promoted.Status, promoted.PauseAfterEpoch!.Value));
        Assert.StartsWith("Promoted at epoch 1 (rung 1 of 3): 80.00 % was 1st of 3 so far; continues to epoch 3.", promoted.StatusReason);
        Assert.Equal(RunStatus.Paused, Store.Get(runs[0])!.Status);
        Assert.StartsWith("Waiting at epoch 1 (rung 1 of 3) of its study", Store.Get(runs[0])!.StatusReason);

        // The rest arrive: the rung is complete, ⌊6/3⌋ = 2 continue, the four others stop with their reason and lose their checkpoint.
        Pause(runs[3], 1, 0.75);
        Pause(runs[4], 1, 0.50);
        Pause(runs[5], 1, 0.55);
        Coordinator.Advance(study.Id);
        Assert.Equal((RunStatus.Queued, 3), (Store.Get(runs[3])!.Status, Store.Get(runs[3])!.PauseAfterEpoch!.Value));
        foreach (var (id, place) in new[] { (runs[0], "3rd"), (runs[2], "4th"), (runs[5], "5th"), (runs[4], "6th") })
        {
            var stopped = Store.Get(id)!;
            Assert.Equal(RunStatus.StoppedEarly, stopped.Status);
            Assert.Null(stopped.PauseAfterEpoch);
            Assert.Contains($"was {place} of 6; the top 2 continued.", stopped.StatusReason);
            Assert.False(Store.HasCheckpoint(id));
        }
        var rungs = Studies.Get(study.Id)!.Rungs;
        Assert.Equal(6, rungs.Count);
        Assert.Equal([2, 4], rungs.Where(r => r.Outcome == RungOutcome.Promoted).Select(r => r.Group).Order());

        // Both promoted reach rung 2; the rung keeps max(1, ⌊2/3⌋) = 1, which trains to the end (no limit).
        Pause(runs[1], 3, 0.84);
        Pause(runs[3], 3, 0.86);
        Coordinator.Advance(study.Id);
        Assert.Equal(RunStatus.Queued, Store.Get(runs[3])!.Status);
        Assert.Null(Store.Get(runs[3])!.PauseAfterEpoch);
        Assert.Equal(RunStatus.StoppedEarly, Store.Get(runs[1])!.Status);
        Assert.Contains("the best continued", Store.Get(runs[1])!.StatusReason);

        // It completes: its last rung is recorded and the study is Completed, every run completed or stopped early.
        Store.Update(runs[3], r => r with { Status = RunStatus.Completed, Epochs = [.. Enumerable.Range(1, 9).Select(e => new EpochMetrics(e, 1, 0.4, 0.8 + e * 0.01, 1, 1000))] });
        Coordinator.Advance(study.Id);
        Assert.Equal(RungOutcome.Completed, Studies.Get(study.Id)!.Rungs.Single(r => r.Rung == 2).Outcome);
        Assert.Equal(StudyStatus.Completed, Studies.View(study.Id)!.Progress.Status);
        // Asking again changes nothing.
        var before = Studies.Get(study.Id)!.Rungs;
        Coordinator.Advance(study.Id);
        Assert.Equal(before, Studies.Get(study.Id)!.Rungs);
    }

    [Fact]
    public void CancellingTheStudyCancelsItsQueuedAndPausedTrialsAndTakesNoMoreDecisions()
    {
        var study = Launch();
        var runs = study.Members.Select(m => m.RunId).ToList();
        Pause(runs[0], 1, 0.70);
        Pause(runs[1], 1, 0.60);
        Coordinator.Advance(study.Id);

        Assert.Equal(6, _ctx.Services.GetRequiredService<StudyService>().Cancel(study.Id));

        Assert.All(runs, id => Assert.Equal(RunStatus.Cancelled, Store.Get(id)!.Status));
        Assert.All(runs, id => Assert.Null(Store.Get(id)!.PauseAfterEpoch));
        var paused = Store.Get(runs[0])!;
        Assert.Equal("Cancelled with its study while it waited at epoch 1; resume it to train it to the end.", paused.StatusReason);
        Assert.True(Store.HasCheckpoint(paused.Id)); // resumable, from where it waited
        var saved = Studies.Get(study.Id)!;
        Assert.NotNull(saved.CancelledUtc);
        Assert.All(saved.Rungs, r => Assert.Equal(RungOutcome.Withdrawn, r.Outcome));
        Assert.Equal(StudyStatus.Cancelled, Studies.View(study.Id)!.Progress.Status);

        // A trial resumed by hand afterwards trains to its end and the study takes no decision for it.
        Pause(runs[2], 1, 0.99);
        Coordinator.Advance(study.Id);
        Assert.DoesNotContain(Studies.Get(study.Id)!.Rungs, r => r.Group == 3);
    }

    [Fact]
    public void ATrialWhoseRunIsDeletedWhileItWaitsIsWithdrawnAndTheRungGoesOn()
    {
        var study = Launch();
        var runs = study.Members.Select(m => m.RunId).ToList();
        for (var i = 0; i < 5; i++) Pause(runs[i], 1, 0.60 + i * 0.01);
        Coordinator.Advance(study.Id);
        Assert.Equal(DeleteOutcome.Deleted, Store.Delete(runs[0]));
        // Group 5, the best of five, was promoted at once. The sixth fails: the rung is complete with the four that count
        // (⌊4/3⌋ = 1, group 5 already), so the other three stop.
        Store.Update(runs[5], r => r with { Status = RunStatus.Failed });
        Coordinator.Advance(study.Id);

        var rungs = Studies.Get(study.Id)!.Rungs;
        Assert.Equal(RungOutcome.Withdrawn, rungs.Single(r => r.Group == 1).Outcome);
        Assert.Equal([5], rungs.Where(r => r.Outcome == RungOutcome.Promoted).Select(r => r.Group));
        Assert.Equal([2, 3, 4], rungs.Where(r => r.Outcome == RungOutcome.Stopped).Select(r => r.Group).Order());
    }
}
