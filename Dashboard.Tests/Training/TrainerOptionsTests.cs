using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Training.Schedules;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

/// <summary>Augmentation, schedules, the validation split and early stopping inside real (small) training runs.</summary>
[Collection(TrainingCollection.Name)]
public class TrainerOptionsTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 128, TrainSubset = 1024, Threads = 2 };

    private sealed class Recorder : ITrainingObserver
    {
        public List<BatchProgress> Batches { get; } = [];
        public void OnBatch(BatchProgress progress) => Batches.Add(progress);
        public void OnEpoch(EpochMetrics metrics) { }
    }

    [Fact]
    public void AugmentationDrawsFromItsOwnGeneratorSoItLeavesBatchOrderAndDropoutAlone()
    {
        // BnCnn's dropout draws from torch's global generator, the batch order from the run's own; an
        // augmenter that runs but never erases must change neither, so the losses are identical.
        var plain = Trainer.Train(Quick with { Model = nameof(BnCnn) }, RealData.Get());
        var invisible = Trainer.Train(Quick with { Model = nameof(BnCnn), ErasingProbability = 1e-300 }, RealData.Get());

        Assert.Equal(plain.Epochs[0].TrainLoss, invisible.Epochs[0].TrainLoss);
        Assert.Equal(plain.Epochs[0].TestLoss, invisible.Epochs[0].TestLoss);
        Assert.Equal(1e-3, plain.Epochs[0].LearningRate);
        Assert.Null(plain.Epochs[0].ValidationLoss);
        Assert.Equal(1, plain.KeptEpoch);
        Assert.Equal(plain.Epochs[0].TestAccuracy, plain.Evaluation!.Accuracy);
    }

    [Fact]
    public void AugmentedTrainingLearnsAndLeavesTheSharedDataAlone()
    {
        var data = RealData.Get();
        double Checksum(Tensor t) => t.narrow(0, 0, 1024).to_type(ScalarType.Float64).abs().sum().item<double>();
        var (images, labels) = (Checksum(data.TrainImages), Checksum(data.TrainLabels));

        var result = Trainer.Train(Quick with { CropPadding = 2, HorizontalFlip = true, ErasingProbability = 0.5 }, data);

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.InRange(result.Epochs[0].TestAccuracy, 0.4, 1.0); // chance is 0.1
        Assert.Equal(images, Checksum(data.TrainImages));
        Assert.Equal(labels, Checksum(data.TrainLabels));
    }

    [Fact]
    public void ScheduledLearningRateIsAppliedAndRecorded()
    {
        // The second epoch runs at 1e-3 × 1e-9: Adam's steps are then ~1e-12, so the model cannot change its predictions.
        var result = Trainer.Train(Quick with { Epochs = 2, Schedule = ScheduleKind.Step, StepSize = 1, StepGamma = 1e-9 }, RealData.Get());

        Assert.Equal([1e-3, 1e-3 * 1e-9], result.Epochs.Select(e => e.LearningRate!.Value));
        Assert.Equal(result.Epochs[0].TestAccuracy, result.Epochs[1].TestAccuracy);
        Assert.Equal(result.Epochs[0].TestLoss, result.Epochs[1].TestLoss, 1e-5);
    }

    [Fact]
    public void ValidationSplitIsHeldOutOfTheSubsetAndReportedPerEpoch()
    {
        var recorder = new Recorder();
        var result = Trainer.Train(Quick with { ValidationFraction = 0.25 }, RealData.Get(), recorder);

        // 1024 images, 256 held out: 768 train in 6 batches of 128.
        Assert.Equal(6, recorder.Batches[^1].BatchesPerEpoch);
        var epoch = Assert.Single(result.Epochs);
        Assert.InRange(epoch.ValidationAccuracy!.Value, 0.4, 1.0);
        Assert.InRange(epoch.ValidationLoss!.Value, 0.05, 2.3);
        Assert.Equal(10_000, result.Confusion!.Total); // the report stays on the test set
    }

    [Fact]
    public void ValidationSplitIsSeededDisjointAndComplete()
    {
        TorchRuntime.Initialize();
        var data = RealData.Get();
        int[] Histogram(Tensor labels) => labels.bincount(null, FashionMnist.ClassCount).data<long>().ToArray().Select(c => (int)c).ToArray();
        using var a = TrainingSplit.Create(data, 1000, 0.2, seed: 1, CPU);
        using var b = TrainingSplit.Create(data, 1000, 0.2, seed: 1, CPU);
        using var c = TrainingSplit.Create(data, 1000, 0.2, seed: 2, CPU);

        Assert.Equal((800, 200), (a.TrainCount, a.ValidationCount));
        Assert.True(a.ValidationImages!.eq(b.ValidationImages!).all().item<bool>());
        Assert.False(a.ValidationImages!.eq(c.ValidationImages!).all().item<bool>());
        // Together the two sides hold exactly the subset: same total pixel mass, same labels.
        using var subset = data.TrainImages.narrow(0, 0, 1000);
        Assert.Equal(subset.sum().item<float>(), a.TrainImages.sum().item<float>() + a.ValidationImages.sum().item<float>(), 0.5f);
        var subsetCounts = Histogram(data.TrainLabels.narrow(0, 0, 1000));
        Assert.Equal(subsetCounts, Histogram(a.TrainLabels).Zip(Histogram(a.ValidationLabels!), (x, y) => x + y));
        Assert.Equal(0, TrainingSplit.ValidationSize(1000, 0));
        Assert.Equal(1, TrainingSplit.ValidationSize(10, 0.01));
    }

    [Fact]
    public void EarlyStoppingEndsTheRunAndKeepsTheBestEpoch()
    {
        // On 500 training images at a high learning rate the validation loss turns up within a few epochs.
        var config = Quick with { Epochs = 8, BatchSize = 64, TrainSubset = 1000, LearningRate = 3e-3, ValidationFraction = 0.5, EarlyStoppingPatience = 2 };
        var data = RealData.Get();
        var result = Trainer.Train(config, data);

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.StartsWith($"Stopped early after epoch {result.Epochs.Count} of 8", result.Reason);
        Assert.InRange(result.Epochs.Count, 3, 7);
        var best = result.Epochs.MinBy(e => e.ValidationLoss)!;
        Assert.Equal(best.Epoch, result.KeptEpoch);
        Assert.Equal(result.Epochs.Count - 2, best.Epoch);
        Assert.Equal(best.TestAccuracy, result.Report!.Accuracy);
        using var reloaded = ModelWeights.Load(ModelCatalog.Create(config.Model), result.Weights!);
        Assert.Equal(result.Confusion!.Counts, Evaluator.Evaluate(reloaded, data.TestImages, data.TestLabels, CPU).ToConfusionMatrix().Counts);
    }
}

public class EarlyStoppingTests
{
    [Fact]
    public void StopsAfterPatienceEpochsWithoutAStrictImprovement()
    {
        var stopping = new EarlyStopping(patience: 2);
        Assert.True(stopping.Observe(1, 1.0));
        Assert.True(stopping.Observe(2, 0.8));
        Assert.False(stopping.Observe(3, 0.8)); // equal is no improvement
        Assert.False(stopping.ShouldStop);
        Assert.False(stopping.Observe(4, 0.9));
        Assert.True(stopping.ShouldStop);
        Assert.Equal((2, 0.8), (stopping.BestEpoch, stopping.BestLoss));
    }

    [Fact]
    public void RestoredStateCountsTheEpochsSinceTheBest()
    {
        var stopping = new EarlyStopping(patience: 3);
        stopping.Restore(epoch: 5, bestEpoch: 3, bestLoss: 0.5);
        Assert.Equal(2, stopping.EpochsWithoutImprovement);
        Assert.False(stopping.Observe(6, 0.6));
        Assert.True(stopping.ShouldStop);
        Assert.False(new EarlyStopping(0).Enabled);
    }
}
