using System.Diagnostics;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training;

/// <summary>Trains one model on the in-memory data set and evaluates it on the test set after every epoch.</summary>
public static class Trainer
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <paramref name="config"/> to the end, to cancellation (within one batch) or to divergence.
    /// Runs on the calling thread; the thread count is process-wide, so run one training at a time.
    /// </summary>
    /// <exception cref="InvalidConfigException">The config is invalid; nothing ran.</exception>
    public static TrainingResult Train(TrainingConfig config, FashionMnistData data, ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        TorchRuntime.Initialize();
        var errors = config.Validate(TorchRuntime.CudaAvailable);
        if (errors.Count > 0) throw new InvalidConfigException(errors);

        var device = TorchRuntime.ResolveDevice(config.Device);
        var threads = TorchRuntime.ResolveThreads(config.Threads);
        torch.set_num_threads(threads);
        var environment = TorchRuntime.Describe(device, threads);

        // One seed fixes the initial weights and every epoch's batch order.
        torch.manual_seed(config.Seed);
        using var model = ModelCatalog.Create(config.Model);
        model.to(device);
        using var optimizer = CreateOptimizer(config, model.parameters());
        using var generator = new Generator((ulong)config.Seed);

        var trainCount = Math.Min(config.TrainSubset ?? data.TrainCount, data.TrainCount);
        using var ownedImages = data.TrainImages.narrow(0, 0, trainCount).to(device);
        using var ownedLabels = data.TrainLabels.narrow(0, 0, trainCount).to(device);
        using var testImages = data.TestImages.to(device);
        using var testLabels = data.TestLabels.to(device);

        var batchesPerEpoch = (trainCount + config.BatchSize - 1) / config.BatchSize;
        var totalImages = (long)trainCount * config.Epochs;
        var epochs = new List<EpochMetrics>();
        var trainClock = new Stopwatch();
        long imagesDone = 0;
        EvaluationResult? lastEvaluation = null;
        byte[]? lastWeights = null;

        TrainingResult Finish(TrainingOutcome outcome, string? reason) => new(
            outcome, reason, epochs,
            lastEvaluation?.ToConfusionMatrix(),
            lastEvaluation is null ? null : ClassificationReport.From(lastEvaluation.ToConfusionMatrix(), FashionMnist.ClassNames),
            trainClock.Elapsed.TotalSeconds, environment, lastWeights);

        for (var epoch = 1; epoch <= config.Epochs; epoch++)
        {
            model.train();
            var epochClock = Stopwatch.StartNew();
            trainClock.Start();
            double epochLossSum = 0, windowLossSum = 0;
            var windowBatches = 0;
            var lastReport = Stopwatch.StartNew();
            using var permutation = randperm(trainCount, generator: generator).to(device);

            for (var batch = 0; batch < batchesPerEpoch; batch++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    trainClock.Stop();
                    return Finish(TrainingOutcome.Cancelled, $"Cancelled during epoch {epoch}, batch {batch + 1} of {batchesPerEpoch}.");
                }

                var start = batch * config.BatchSize;
                var count = Math.Min(config.BatchSize, trainCount - start);
                float loss;
                using (NewDisposeScope())
                {
                    var indices = permutation.narrow(0, start, count);
                    var x = ownedImages.index_select(0, indices);
                    var y = ownedLabels.index_select(0, indices);
                    optimizer.zero_grad();
                    var output = nn.functional.cross_entropy(model.call(x), y);
                    output.backward();
                    optimizer.step();
                    loss = output.item<float>();
                }

                if (!float.IsFinite(loss))
                {
                    trainClock.Stop();
                    return Finish(TrainingOutcome.Diverged,
                        $"The loss became {loss} in epoch {epoch}, batch {batch + 1}: the run diverged (try a lower learning rate).");
                }

                imagesDone += count;
                epochLossSum += loss;
                windowLossSum += loss;
                windowBatches++;
                var lastBatch = batch == batchesPerEpoch - 1;
                if (observer is not null && (lastBatch || lastReport.Elapsed >= ReportInterval))
                {
                    var imagesPerSecond = imagesDone / Math.Max(trainClock.Elapsed.TotalSeconds, 1e-9);
                    var eta = TimeSpan.FromSeconds((totalImages - imagesDone) / Math.Max(imagesPerSecond, 1e-9));
                    observer.OnBatch(new BatchProgress(epoch, batch + 1, batchesPerEpoch, windowLossSum / windowBatches, imagesPerSecond, eta));
                    windowLossSum = 0;
                    windowBatches = 0;
                    lastReport.Restart();
                }
            }

            trainClock.Stop();
            var epochSeconds = epochClock.Elapsed.TotalSeconds;
            lastEvaluation = Evaluator.Evaluate(model, testImages, testLabels, device);
            lastWeights = ModelWeights.Save(model);
            var metrics = new EpochMetrics(epoch, epochLossSum / batchesPerEpoch, lastEvaluation.MeanLoss, lastEvaluation.Accuracy,
                epochSeconds, trainCount / Math.Max(epochSeconds, 1e-9));
            epochs.Add(metrics);
            observer?.OnEpoch(metrics);
        }

        return Finish(TrainingOutcome.Completed, null);
    }

    private static optim.Optimizer CreateOptimizer(TrainingConfig config, IEnumerable<TorchSharp.Modules.Parameter> parameters) => config.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(parameters, config.LearningRate, weight_decay: config.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, config.LearningRate, weight_decay: config.WeightDecay),
        OptimizerKind.Sgd => optim.SGD(parameters, config.LearningRate, momentum: config.Momentum, weight_decay: config.WeightDecay),
        _ => throw new InvalidConfigException([new ConfigError(nameof(TrainingConfig.Optimizer), $"Unknown optimizer '{config.Optimizer}'.")]),
    };
}
