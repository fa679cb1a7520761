using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Schedules;

namespace Dashboard.Tests.Training;

/// <summary>A session limited to an epoch (a rung of a halving study) pauses with a full result and continues where it paused.</summary>
[Collection(TrainingCollection.Name)]
public sealed class PauseTests
{
    private sealed class Recorder : ITrainingObserver
    {
        public List<TrainingCheckpoint> Checkpoints { get; } = [];
        public List<int> Epochs { get; } = [];
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochMetrics metrics) => Epochs.Add(metrics.Epoch);
        public void OnCheckpoint(TrainingCheckpoint checkpoint) => Checkpoints.Add(checkpoint);
    }

    // A cosine schedule over the whole run: a paused session must keep the run's schedule, not end its own.
    private static readonly TrainingConfig Config = TrainingConfig.ReportControl with
    {
        Epochs = 3, BatchSize = 128, TrainSubset = 1024, Threads = 2, Schedule = ScheduleKind.Cosine,
    };

    [Fact]
    public void ARunPausedAtEachRungAndContinuedEqualsOneNeverPaused()
    {
        var data = RealData.Get();
        var straight = Trainer.Train(Config, data, new Recorder());

        var first = new Recorder();
        var paused = Trainer.Train(Config, data, first, pauseAfterEpoch: 1);
        Assert.Equal(TrainingOutcome.Paused, paused.Outcome);
        Assert.Equal("Paused after epoch 1 of 3, the epoch limit of this session; its checkpoint continues it.", paused.Reason);
        Assert.Equal([1], first.Epochs);
        // A full result of the epoch it paused at: report, matrix, weights and predictions.
        Assert.Equal(1, paused.KeptEpoch);
        Assert.NotNull(paused.Weights);
        Assert.NotNull(paused.Evaluation);
        Assert.Equal(paused.Epochs[0].TestAccuracy, paused.Report!.Accuracy, 1e-9);
        Assert.Equal(straight.Epochs[0].LearningRate, paused.Epochs[0].LearningRate);

        var second = new Recorder();
        var again = Trainer.Resume(TrainingCheckpoint.FromBytes(first.Checkpoints[^1].ToBytes()), data, second, pauseAfterEpoch: 2);
        Assert.Equal((TrainingOutcome.Paused, 2), (again.Outcome, again.KeptEpoch));
        Assert.Equal([2], second.Epochs); // epoch 1 is not trained again
        Assert.Equal(paused.Epochs[0], again.Epochs[0]);

        var third = new Recorder();
        var done = Trainer.Resume(TrainingCheckpoint.FromBytes(second.Checkpoints[^1].ToBytes()), data, third);
        Assert.Equal(TrainingOutcome.Completed, done.Outcome);
        Assert.Equal([3], third.Epochs);
        Assert.Equal(straight.Weights, done.Weights);
        Assert.Equal(straight.Epochs.Select(e => (e.TrainLoss, e.TestLoss, e.TestAccuracy, e.LearningRate)), done.Epochs.Select(e => (e.TrainLoss, e.TestLoss, e.TestAccuracy, e.LearningRate)));
        Assert.True(done.TrainingSeconds >= again.TrainingSeconds, $"{done.TrainingSeconds} s after {again.TrainingSeconds} s");
    }

    [Fact]
    public void ALimitAtTheLastEpochCompletesAndOneAlreadyReachedPausesAtOnce()
    {
        var data = RealData.Get();
        var config = Config with { Epochs = 2, Schedule = ScheduleKind.Constant };
        var recorder = new Recorder();
        Assert.Equal(TrainingOutcome.Completed, Trainer.Train(config, data, recorder, pauseAfterEpoch: 2).Outcome);

        var nothing = new Recorder();
        var result = Trainer.Resume(recorder.Checkpoints[0], data, nothing, pauseAfterEpoch: 1);
        Assert.Equal((TrainingOutcome.Paused, 1), (result.Outcome, result.KeptEpoch));
        Assert.Empty(nothing.Epochs);
        Assert.NotNull(result.Report);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(config, data, pauseAfterEpoch: 0));
    }
}
