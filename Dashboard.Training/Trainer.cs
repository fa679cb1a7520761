using System.Diagnostics;
using Dashboard.Training.Augmentation;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Training.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training;

/// <summary>Trains one model on the in-memory data set and evaluates it on the test set after every epoch.</summary>
public static class Trainer
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(100);
    private const ulong AugmentationStream = 1;
    private const ulong SplitStream = 2;

    /// <summary>
    /// Runs <paramref name="config"/> to the end, to cancellation (within one batch), to divergence or to
    /// an early stop. Runs on the calling thread; the thread count is process-wide, so run one training at a time.
    /// After every epoch the observer receives the metrics, then, except after the run's last epoch, a <see cref="TrainingCheckpoint"/>.
    /// </summary>
    /// <remarks>
    /// With early stopping on, a completed run keeps the weights of its lowest validation loss, and its
    /// report and confusion matrix are those of that epoch (<see cref="TrainingResult.KeptEpoch"/>); the
    /// epochs after it still appear in the metrics. Without early stopping, and for cancelled or diverged
    /// runs, the last finished epoch is kept.
    /// </remarks>
    /// <param name="config">What to train.</param>
    /// <param name="data">The data set, in memory.</param>
    /// <param name="observer">Receives progress, metrics and checkpoints.</param>
    /// <param name="cancellationToken">Stops the run within one batch.</param>
    /// <param name="pauseAfterEpoch">
    /// Ends this session after that epoch with <see cref="TrainingOutcome.Paused"/> (a rung of a halving study): the
    /// result holds that epoch's weights, report and evaluation, and the last checkpoint continues the run with
    /// <see cref="Resume"/>. The config, and so its learning-rate schedule, is unchanged. Null, or a limit at or past
    /// <see cref="TrainingConfig.Epochs"/>, trains to the end.
    /// </param>
    /// <exception cref="InvalidConfigException">The config is invalid; nothing ran.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pauseAfterEpoch"/> is below 1.</exception>
    public static TrainingResult Train(TrainingConfig config, FashionMnistData data, ITrainingObserver? observer = null, CancellationToken cancellationToken = default, int? pauseAfterEpoch = null) =>
        Run(config, data, observer, null, cancellationToken, pauseAfterEpoch);

    /// <summary>
    /// Continues a run from a checkpoint at its next epoch. With the same thread count, the result equals
    /// that of a run never interrupted: same losses, same weights, same report. Its epochs list and
    /// training time include those before the checkpoint.
    /// </summary>
    /// <param name="checkpoint">Where to continue from.</param>
    /// <param name="data">The data set, in memory.</param>
    /// <param name="observer">Receives progress, metrics and checkpoints.</param>
    /// <param name="cancellationToken">Stops the run within one batch.</param>
    /// <param name="pauseAfterEpoch">As in <see cref="Train"/>; a limit at or before the checkpoint's epoch pauses again at once, training nothing.</param>
    /// <exception cref="InvalidConfigException">The checkpoint's config is invalid; nothing ran.</exception>
    /// <exception cref="InvalidDataException">The checkpoint does not fit its own config (weights, optimizer or generator state).</exception>
    public static TrainingResult Resume(TrainingCheckpoint checkpoint, FashionMnistData data, ITrainingObserver? observer = null, CancellationToken cancellationToken = default, int? pauseAfterEpoch = null) =>
        Run(checkpoint.Config, data, observer, checkpoint, cancellationToken, pauseAfterEpoch);

    private static TrainingResult Run(TrainingConfig config, FashionMnistData data, ITrainingObserver? observer, TrainingCheckpoint? resumeFrom, CancellationToken cancellationToken, int? pauseAfterEpoch)
    {
        if (pauseAfterEpoch is < 1) throw new ArgumentOutOfRangeException(nameof(pauseAfterEpoch), pauseAfterEpoch, "A session pauses after epoch 1 at the earliest.");
        TorchRuntime.Initialize();
        var errors = config.Validate(TorchRuntime.CudaAvailable);
        if (errors.Count > 0) throw new InvalidConfigException(errors);

        var device = TorchRuntime.ResolveDevice(config.Device);
        var threads = TorchRuntime.ResolveThreads(config.Threads);
        torch.set_num_threads(threads);
        var environment = TorchRuntime.Describe(device, threads);

        // One seed fixes the initial weights and every epoch's batch order; augmentation and the
        // validation split draw from their own generators, so switching them on leaves the batch order alone.
        torch.manual_seed(config.Seed);
        using var model = ModelCatalog.Create(config.Model);
        if (resumeFrom is null) model.to(device);
        else ModelWeights.Load(model, resumeFrom.Weights, device);
        using var optimizer = CreateOptimizer(config, model.parameters());
        using var generator = new Generator((ulong)config.Seed);
        var augmentation = AugmentationOptions.From(config);
        using var augmenter = augmentation.Any ? new BatchAugmenter(augmentation, GeneratorState.Derive(config.Seed, AugmentationStream)) : null;
        var schedule = LearningRateSchedule.From(config);
        var stopping = new EarlyStopping(config.EarlyStoppingPatience);

        var subsetCount = Math.Min(config.TrainSubset ?? data.TrainCount, data.TrainCount);
        using var split = TrainingSplit.Create(data, subsetCount, config.ValidationFraction, GeneratorState.Derive(config.Seed, SplitStream), device);
        var trainCount = split.TrainCount;
        var ownedImages = split.TrainImages;
        var ownedLabels = split.TrainLabels;
        using var testImages = data.TestImages.to(device);
        using var testLabels = data.TestLabels.to(device);

        var batchesPerEpoch = (trainCount + config.BatchSize - 1) / config.BatchSize;
        var epochs = new List<EpochMetrics>();
        var trainClock = new Stopwatch();
        long imagesDone = 0;
        double earlierSeconds = 0;
        var firstEpoch = 1;
        EvaluationResult? lastEvaluation = null;
        byte[]? lastWeights = null;
        int? lastEpoch = null;
        EvaluationResult? bestEvaluation = null;
        byte[]? bestWeights = null;

        if (resumeFrom is not null)
        {
            Restore(resumeFrom, optimizer, generator, augmenter, device);
            epochs.AddRange(resumeFrom.History);
            firstEpoch = resumeFrom.Epoch + 1;
            earlierSeconds = resumeFrom.TrainingSeconds;
            (lastWeights, lastEpoch) = (resumeFrom.Weights, resumeFrom.Epoch);
            stopping.Restore(resumeFrom.Epoch, resumeFrom.BestEpoch, resumeFrom.BestValidationLoss);
            bestWeights = resumeFrom.BestWeights;
            // Restoring leaves megabytes of garbage (the checkpoint's bytes and their copies), which brings on a full GC
            // during the first steps. TorchSharp 0.107 frees the Scalars that Adam's step makes implicitly (alpha: weight
            // decay …) on the finalizer thread, so a GC during that native call can free one in use ("Expected false to be
            // true" from c10::Scalar::toFloat; dotnet/TorchSharp#1434): collect here, before any step, instead.
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        // The session's last epoch: the run's last, or the epoch it pauses after (a rung), whichever comes first.
        var lastEpochOfSession = Math.Min(config.Epochs, pauseAfterEpoch ?? config.Epochs);
        var totalImages = (long)trainCount * Math.Max(lastEpochOfSession - firstEpoch + 1, 0);

        TrainingResult Finish(TrainingOutcome outcome, string? reason)
        {
            trainClock.Stop();
            var keepBest = outcome == TrainingOutcome.Completed && stopping.BestEpoch is not null && bestWeights is not null;
            var (evaluation, weights, kept) = keepBest ? (bestEvaluation, bestWeights, stopping.BestEpoch) : (lastEvaluation, lastWeights, lastEpoch);
            // After a resume, the kept epoch may predate this session: evaluate its weights again (deterministic).
            if (evaluation is null && weights is not null) evaluation = EvaluateWeights(config.Model, weights, testImages, testLabels, device);
            var confusion = evaluation?.ToConfusionMatrix();
            return new(
                outcome, reason, epochs,
                confusion,
                confusion is null ? null : ClassificationReport.From(confusion, FashionMnist.ClassNames),
                earlierSeconds + trainClock.Elapsed.TotalSeconds, environment, weights, evaluation, kept);
        }

        if (stopping.ShouldStop) return Finish(TrainingOutcome.Completed, EarlyStopReason(stopping, lastEpoch ?? 0, config.Epochs));
        if (lastEpoch is { } done && done >= lastEpochOfSession && done < config.Epochs) return Finish(TrainingOutcome.Paused, PauseReason(done, config.Epochs));

        for (var epoch = firstEpoch; epoch <= config.Epochs; epoch++)
        {
            model.train();
            var epochClock = Stopwatch.StartNew();
            var usage = ProcessSampler.StartNew();
            trainClock.Start();
            double epochLossSum = 0, windowLossSum = 0;
            var windowBatches = 0;
            var lastReport = Stopwatch.StartNew();
            using var permutation = randperm(trainCount, generator: generator).to(device);

            for (var batch = 0; batch < batchesPerEpoch; batch++)
            {
                if (cancellationToken.IsCancellationRequested)
                    return Finish(TrainingOutcome.Cancelled, $"Cancelled during epoch {epoch}, batch {batch + 1} of {batchesPerEpoch}.");
                if (schedule.Kind != ScheduleKind.Constant)
                    SetLearningRate(optimizer, schedule.At(epoch, batch, batchesPerEpoch));

                var start = batch * config.BatchSize;
                var count = Math.Min(config.BatchSize, trainCount - start);
                float loss;
                using (NewDisposeScope())
                {
                    var indices = permutation.narrow(0, start, count);
                    var x = ownedImages.index_select(0, indices);
                    if (augmenter is not null) x = augmenter.Apply(x);
                    var y = ownedLabels.index_select(0, indices);
                    optimizer.zero_grad();
                    var output = nn.functional.cross_entropy(model.call(x), y);
                    output.backward();
                    optimizer.step();
                    loss = output.item<float>();
                }

                if (!float.IsFinite(loss))
                {
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
            EvaluationResult test;
            EvaluationResult? validation;
            try
            {
                test = Evaluator.Evaluate(model, testImages, testLabels, device, cancellationToken: cancellationToken);
                validation = split.ValidationImages is null ? null : Evaluator.Evaluate(model, split.ValidationImages, split.ValidationLabels!, device, cancellationToken: cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // An epoch without its figures is not recorded, as if it had been cancelled in its last batch: a cancel
                // does not wait for the test set's evaluation (a second or more on one thread).
                return Finish(TrainingOutcome.Cancelled, $"Cancelled while evaluating epoch {epoch}.");
            }
            lastEvaluation = test;
            lastWeights = ModelWeights.Save(model);
            lastEpoch = epoch;
            if (stopping.Enabled && stopping.Observe(epoch, validation!.MeanLoss))
                (bestEvaluation, bestWeights) = (lastEvaluation, lastWeights);
            var metrics = new EpochMetrics(epoch, epochLossSum / batchesPerEpoch, lastEvaluation.MeanLoss, lastEvaluation.Accuracy,
                epochSeconds, trainCount / Math.Max(epochSeconds, 1e-9))
            {
                LearningRate = schedule.MeanOfEpoch(epoch, batchesPerEpoch),
                ValidationLoss = validation?.MeanLoss,
                ValidationAccuracy = validation?.Accuracy,
                EndedUtc = DateTime.UtcNow,
            }.WithFigures(lastEvaluation, usage.Sample());
            epochs.Add(metrics);
            observer?.OnEpoch(metrics);
            // After the run's last epoch nothing is resumed: no checkpoint (8 MB for the report's model, stored and deleted again).
            var last = epoch == config.Epochs || stopping.ShouldStop;
            if (!last) observer?.OnCheckpoint(new TrainingCheckpoint(config, epoch, epochs.ToArray(), earlierSeconds + trainClock.Elapsed.TotalSeconds,
                lastWeights, OptimizerState.Save(optimizer), GeneratorState.Get(generator), augmenter?.GetState(), GeneratorState.GetGlobal(),
                stopping.BestEpoch, stopping.BestLoss, bestWeights));
            if (stopping.ShouldStop) return Finish(TrainingOutcome.Completed, EarlyStopReason(stopping, epoch, config.Epochs));
            if (epoch == lastEpochOfSession && epoch < config.Epochs) return Finish(TrainingOutcome.Paused, PauseReason(epoch, config.Epochs));
        }

        return Finish(TrainingOutcome.Completed, stopping.BestEpoch is { } best && best != lastEpoch
            ? FormattableString.Invariant($"Kept the weights of epoch {best}, the lowest validation loss ({stopping.BestLoss:F4}).")
            : null);
    }

    /// <summary>The epoch's per-class scores (from the evaluation it already ran) and what the process used.</summary>
    private static EpochMetrics WithFigures(this EpochMetrics metrics, EvaluationResult test, ProcessUsage usage) => metrics with
    {
        PerClass = ClassScores.From(test),
        CpuPercent = usage.CpuPercent,
        ResidentBytes = usage.ResidentBytes,
    };

    private static string PauseReason(int epoch, int epochs) =>
        $"Paused after epoch {epoch} of {epochs}, the epoch limit of this session; its checkpoint continues it.";

    private static string EarlyStopReason(EarlyStopping stopping, int epoch, int epochs) => FormattableString.Invariant(
        $"Stopped early after epoch {epoch} of {epochs}: the validation loss had not improved for {stopping.Patience} epoch(s). Kept the weights of epoch {stopping.BestEpoch} (validation loss {stopping.BestLoss:F4}).");

    private static void Restore(TrainingCheckpoint checkpoint, optim.Optimizer optimizer, Generator generator, BatchAugmenter? augmenter, Device device)
    {
        if (checkpoint.History.Count != checkpoint.Epoch || checkpoint.Epoch < 1)
            throw new InvalidDataException($"The checkpoint is inconsistent: epoch {checkpoint.Epoch} with {checkpoint.History.Count} epochs of metrics.");
        if ((augmenter is null) != (checkpoint.AugmentationRng is null))
            throw new InvalidDataException("The checkpoint's augmentation state does not match its config.");
        OptimizerState.Load(optimizer, checkpoint.OptimizerState, device);
        GeneratorState.Set(generator, checkpoint.BatchOrderRng);
        if (augmenter is not null) augmenter.SetState(checkpoint.AugmentationRng!);
        // Last: creating the model above drew from the global generator.
        GeneratorState.SetGlobal(checkpoint.GlobalRng);
    }

    private static EvaluationResult EvaluateWeights(string modelName, byte[] weights, Tensor images, Tensor labels, Device device)
    {
        using var model = ModelWeights.Load(ModelCatalog.Create(modelName), weights, device);
        return Evaluator.Evaluate(model, images, labels, device);
    }

    private static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    private static optim.Optimizer CreateOptimizer(TrainingConfig config, IEnumerable<TorchSharp.Modules.Parameter> parameters) => config.Optimizer switch
    {
        OptimizerKind.Adam => optim.Adam(parameters, config.LearningRate, weight_decay: config.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, config.LearningRate, weight_decay: config.WeightDecay),
        OptimizerKind.Sgd => optim.SGD(parameters, config.LearningRate, momentum: config.Momentum, weight_decay: config.WeightDecay),
        _ => throw new InvalidConfigException([new ConfigError(nameof(TrainingConfig.Optimizer), $"Unknown optimizer '{config.Optimizer}'.")]),
    };
}
