using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

/// <summary>Real training on small subsets of the real data. One class, so runs never compete for the 2 cores.</summary>
[Collection(TrainingCollection.Name)]
public class TrainerTests
{
    private static readonly TrainingConfig Quick = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 64, TrainSubset = 4000, Threads = 2 };

    private sealed class Recorder : ITrainingObserver
    {
        public List<BatchProgress> Batches { get; } = [];
        public List<EpochMetrics> Epochs { get; } = [];
        public Action<BatchProgress>? OnEachBatch { get; init; }
        public void OnBatch(BatchProgress progress)
        {
            Batches.Add(progress);
            OnEachBatch?.Invoke(progress);
        }
        public void OnEpoch(EpochMetrics metrics) => Epochs.Add(metrics);
    }

    [Fact]
    public void OneEpochOnFourThousandImagesLearnsFarBeyondChance()
    {
        var recorder = new Recorder();
        var result = Trainer.Train(Quick, RealData.Get(), recorder);

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        var epoch = Assert.Single(result.Epochs);
        // Chance is 10 %; this subset reaches about 75 % in one epoch. A broken trainer does not reach 65 %.
        Assert.InRange(epoch.TestAccuracy, 0.65, 1.0);
        Assert.InRange(epoch.TrainLoss, 0.1, 1.5);
        Assert.Equal(epoch.TestAccuracy, result.Report!.Accuracy, 1e-12);
        Assert.Equal(10_000, result.Confusion!.Total);
        Assert.NotEmpty(recorder.Batches);
        Assert.Equal(63, recorder.Batches[^1].Batch);
        Assert.Same(epoch, Assert.Single(recorder.Epochs));
        Assert.True(result.Weights is { Length: > 2_000_000 });
        Assert.Equal(2, result.Environment.Threads);
        Assert.Equal("cpu", result.Environment.Device);
    }

    [Fact]
    public void EachEpochKeepsItsPerClassScoresAndWhatTheProcessUsed()
    {
        var recorder = new Recorder();
        var result = Trainer.Train(Quick with { Epochs = 2, TrainSubset = 2000 }, RealData.Get(), recorder);

        Assert.Equal(2, result.Epochs.Count);
        var support = result.Confusion!.Counts.Select(row => (double)row.Sum()).ToArray();
        foreach (var epoch in result.Epochs)
        {
            var scores = epoch.PerClass!;
            Assert.All(new[] { scores.Precision, scores.Recall, scores.F1 }, a => Assert.Equal(FashionMnist.ClassCount, a.Length));
            // Recall weighted by each class's images is the accuracy: the scores belong to this epoch's evaluation.
            Assert.Equal(epoch.TestAccuracy, scores.Recall.Select((r, k) => r * support[k]).Sum() / support.Sum(), 1e-9);
            Assert.All(scores.F1, f => Assert.InRange(f, 0, 1));
            // Two torch threads training: well above idle, at most every core.
            Assert.InRange(epoch.CpuPercent!.Value, 20, 100 * Environment.ProcessorCount + 5);
            // The data set alone holds 70,000 float images (~220 MB); less than that resident would be wrong.
            Assert.InRange(epoch.ResidentBytes!.Value, 200L << 20, 64L << 30);
        }
        Assert.NotEqual(result.Epochs[0].PerClass!.F1, result.Epochs[1].PerClass!.F1);
        // The last epoch's scores are the final report's, and the observer saw the same record.
        var last = result.Epochs[^1].PerClass!;
        Assert.Equal(result.Report!.Classes.Select(c => c.F1), last.F1);
        Assert.Same(result.Epochs[^1], recorder.Epochs[^1]);
    }

    [Fact]
    public void SameSeedAndThreadsGiveIdenticalLosses()
    {
        var config = Quick with { TrainSubset = 1024, BatchSize = 128 };
        var a = Trainer.Train(config, RealData.Get());
        var b = Trainer.Train(config, RealData.Get());
        var c = Trainer.Train(config with { Seed = 7 }, RealData.Get());

        Assert.Equal(a.Epochs[0].TrainLoss, b.Epochs[0].TrainLoss);
        Assert.Equal(a.Epochs[0].TestLoss, b.Epochs[0].TestLoss);
        Assert.NotEqual(a.Epochs[0].TrainLoss, c.Epochs[0].TrainLoss);
    }

    [Fact]
    public void CancellationStopsWithinOneBatch()
    {
        using var cts = new CancellationTokenSource();
        var recorder = new Recorder { OnEachBatch = p => { if (p.Batch >= 5) cts.Cancel(); } };
        var result = Trainer.Train(Quick with { BatchSize = 8, Epochs = 3 }, RealData.Get(), recorder, cts.Token);

        Assert.Equal(TrainingOutcome.Cancelled, result.Outcome);
        Assert.Empty(result.Epochs);
        // Reports are throttled, so the cancel lands at whatever batch was reported; the run must stop at the next one.
        var cancelledAt = recorder.Batches.First(b => b.Batch >= 5).Batch;
        Assert.Contains($"batch {cancelledAt + 1} of", result.Reason);
    }

    [Fact]
    public void ACancelDuringTheEvaluationDoesNotWaitForIt()
    {
        using var cts = new CancellationTokenSource();
        // The last batch's report comes after its step and the batch loop's last check: the cancel lands in the evaluation.
        var recorder = new Recorder { OnEachBatch = p => { if (p.Batch == p.BatchesPerEpoch) cts.Cancel(); } };
        var result = Trainer.Train(Quick with { TrainSubset = 512, BatchSize = 128, Epochs = 2 }, RealData.Get(), recorder, cts.Token);

        Assert.Equal(TrainingOutcome.Cancelled, result.Outcome);
        Assert.Equal("Cancelled while evaluating epoch 1.", result.Reason);
        // The epoch without its figures is not recorded, and nothing was reported for it.
        Assert.Empty(result.Epochs);
        Assert.Empty(recorder.Epochs);
    }

    [Fact]
    public void NaNLossEndsTheRunAsDiverged()
    {
        var result = Trainer.Train(Quick with { Optimizer = OptimizerKind.Sgd, LearningRate = 10, Momentum = 0.99, TrainSubset = 2000 }, RealData.Get());

        Assert.Equal(TrainingOutcome.Diverged, result.Outcome);
        Assert.Contains("diverged", result.Reason);
    }

    [Fact]
    public void InvalidConfigRunsNothing()
    {
        var e = Assert.Throws<InvalidConfigException>(() => Trainer.Train(Quick with { LearningRate = -1 }, RealData.Get()));
        Assert.Equal("LearningRate", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void SavedWeightsReloadToIdenticalPredictions()
    {
        var data = RealData.Get();
        var result = Trainer.Train(Quick with { TrainSubset = 1000 }, data);

        using var reloaded = ModelWeights.Load(ModelCatalog.Create(nameof(SeedCnn)), result.Weights!);
        var evaluation = Evaluator.Evaluate(reloaded, data.TestImages, data.TestLabels, CPU);

        Assert.Equal(result.Confusion!.Counts, evaluation.ToConfusionMatrix().Counts);
        Assert.Equal(result.Epochs[0].TestLoss, evaluation.MeanLoss, 1e-10);
    }

    [Fact]
    public void WeightsOfAnotherShapeAreRefused()
    {
        TorchRuntime.Initialize();
        Assert.Throws<InvalidDataException>(() => ModelWeights.Load(ModelCatalog.Create(nameof(SeedCnn)), [1, 2, 3, 4]));
    }

    [Fact]
    public void PyTorchExportIsATorchSaveArchiveThatLoadsBack()
    {
        TorchRuntime.Initialize();
        using var model = new SeedCnn();
        var bytes = ModelWeights.ExportPyTorch(model);

        // torch.save's format: a zip holding data.pkl and one storage per tensor.
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(bytes)))
        {
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
            Assert.Equal(10, zip.Entries.Count(e => e.FullName.Contains("/data/", StringComparison.Ordinal)));
        }
        using var reloaded = new SeedCnn();
        TorchSharp.PyBridge.PyBridgeModuleExtensions.load_py(reloaded, new MemoryStream(bytes));
        using var input = randn(4, 1, 28, 28);
        model.eval();
        reloaded.eval();
        Assert.True(model.call(input).eq(reloaded.call(input)).all().item<bool>());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "Training";
}
