using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Models;
using Dashboard.Training.Schedules;

namespace Dashboard.Tests.Training;

/// <summary>Checkpoints after every epoch, and resuming from one as if the run had never stopped.</summary>
[Collection(TrainingCollection.Name)]
public class ResumeTests
{
    private sealed class Recorder(Action<Recorder>? afterCheckpoint = null) : ITrainingObserver
    {
        public List<TrainingCheckpoint> Checkpoints { get; } = [];
        public List<EpochMetrics> Epochs { get; } = [];
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochMetrics metrics) => Epochs.Add(metrics);
        public void OnCheckpoint(TrainingCheckpoint checkpoint)
        {
            Checkpoints.Add(checkpoint);
            afterCheckpoint?.Invoke(this);
        }
    }

    [Fact]
    public void ResumedRunEqualsAnUninterruptedOne()
    {
        // Everything that carries state across epochs at once: Adam's moments, batch norm's running
        // statistics, dropout (global generator), augmentation (own generator), the batch order, a per-batch
        // schedule, and early stopping's best epoch.
        var config = TrainingConfig.ReportControl with
        {
            Model = nameof(BnCnn), Epochs = 2, BatchSize = 128, TrainSubset = 1152, Threads = 2,
            CropPadding = 2, HorizontalFlip = true, ErasingProbability = 0.5,
            Schedule = ScheduleKind.OneCycle, LearningRate = 3e-3,
            ValidationFraction = 1.0 / 9, EarlyStoppingPatience = 3,
        };
        var data = RealData.Get();
        var straight = Trainer.Train(config, data, new Recorder());

        using var cts = new CancellationTokenSource();
        var interruptedRecorder = new Recorder(afterCheckpoint: _ => cts.Cancel());
        var interrupted = Trainer.Train(config, data, interruptedRecorder, cts.Token);
        Assert.Equal(TrainingOutcome.Cancelled, interrupted.Outcome);
        Assert.StartsWith("Cancelled during epoch 2, batch 1", interrupted.Reason);

        var saved = Assert.Single(interruptedRecorder.Checkpoints);
        var checkpoint = TrainingCheckpoint.FromBytes(saved.ToBytes());
        AssertSameCheckpoint(saved, checkpoint);
        var resumedRecorder = new Recorder();
        var resumed = Trainer.Resume(checkpoint, data, resumedRecorder);

        Assert.Equal(TrainingOutcome.Completed, resumed.Outcome);
        Assert.Equal([2], resumedRecorder.Epochs.Select(e => e.Epoch)); // continues at the next epoch
        Assert.Equal(2, resumed.Epochs.Count);
        for (var i = 0; i < 2; i++)
        {
            var (a, b) = (straight.Epochs[i], resumed.Epochs[i]);
            Assert.Equal((a.TrainLoss, a.TestLoss, a.TestAccuracy), (b.TrainLoss, b.TestLoss, b.TestAccuracy));
            Assert.Equal((a.ValidationLoss, a.ValidationAccuracy, a.LearningRate), (b.ValidationLoss, b.ValidationAccuracy, b.LearningRate));
        }
        Assert.Equal(straight.Confusion!.Counts, resumed.Confusion!.Counts);
        Assert.Equal(straight.Report!.ToText(4), resumed.Report!.ToText(4));
        Assert.Equal(straight.KeptEpoch, resumed.KeptEpoch);
        Assert.Equal(straight.Weights, resumed.Weights);
        Assert.Equal(straight.Reason, resumed.Reason);
    }

    private static void AssertSameCheckpoint(TrainingCheckpoint expected, TrainingCheckpoint actual)
    {
        Assert.Equal(expected.Config, actual.Config);
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.History, actual.History);
        Assert.Equal(expected.TrainingSeconds, actual.TrainingSeconds);
        Assert.Equal((expected.BestEpoch, expected.BestValidationLoss), (actual.BestEpoch, actual.BestValidationLoss));
        Assert.Equal(expected.Weights, actual.Weights);
        Assert.Equal(expected.OptimizerState, actual.OptimizerState);
        Assert.Equal(expected.BatchOrderRng, actual.BatchOrderRng);
        Assert.Equal(expected.AugmentationRng, actual.AugmentationRng);
        Assert.Equal(expected.GlobalRng, actual.GlobalRng);
        Assert.Equal(expected.BestWeights, actual.BestWeights);
    }

    [Fact]
    public void EveryEpochButTheLastLeavesACheckpoint()
    {
        // After the last epoch (of the config, or early stopping's) the run completes: nothing is resumed from there.
        var config = TrainingConfig.ReportControl with { Epochs = 3, BatchSize = 128, TrainSubset = 512, Threads = 2 };
        var data = RealData.Get();
        var all = new Recorder();
        var result = Trainer.Train(config, data, all);
        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Equal([1, 2, 3], all.Epochs.Select(e => e.Epoch));
        Assert.Equal([1, 2], all.Checkpoints.Select(c => c.Epoch));

        // A learning rate this high cannot improve the validation loss eight epochs in a row: early stopping ends the run sooner.
        var stopped = new Recorder();
        var early = Trainer.Train(config with { Epochs = 8, LearningRate = 0.5, ValidationFraction = 0.25, EarlyStoppingPatience = 1 }, data, stopped);
        Assert.Equal(TrainingOutcome.Completed, early.Outcome);
        Assert.True(early.Reason?.StartsWith("Stopped early", StringComparison.Ordinal) == true, $"not stopped early after {stopped.Epochs.Count} epochs: {early.Reason}");
        Assert.Equal(stopped.Epochs.Count - 1, stopped.Checkpoints.Count);
        Assert.Equal(stopped.Epochs.SkipLast(1).Select(e => e.Epoch), stopped.Checkpoints.Select(c => c.Epoch));
    }

    [Fact]
    public void GarbageIsNotACheckpoint()
    {
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes([1, 2, 3]));
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(new byte[100]));
    }
}
