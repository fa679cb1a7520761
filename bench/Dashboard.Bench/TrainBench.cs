using System.Diagnostics;
using System.Text.Json;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Training.Schedules;

namespace Dashboard.Bench;

/// <summary>Trains a config headless (the seed config by default) and reports images/s, seconds per epoch, memory and accuracy.</summary>
internal static class TrainBench
{
    private sealed class Observer : ITrainingObserver
    {
        public List<double> RssByEpoch { get; } = [];
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochMetrics metrics)
        {
            RssByEpoch.Add(ProcessMemory.RssMb());
            var validation = metrics.ValidationLoss is { } vl ? $", val loss {vl:F4}, val accuracy {metrics.ValidationAccuracy:P2}" : "";
            Console.WriteLine($"epoch {metrics.Epoch}: {metrics.Seconds:F1} s, {metrics.ImagesPerSecond:F0} img/s, lr {metrics.LearningRate:G4}, train loss {metrics.TrainLoss:F4}{validation}, test loss {metrics.TestLoss:F4}, test accuracy {metrics.TestAccuracy:P2}, RSS {RssByEpoch[^1]:F0} MB");
        }
    }

    public static int Run(Arguments a)
    {
        TorchRuntime.Initialize();
        var batchSize = a.Int("batch-size") ?? 128;
        var batches = a.Int("batches");
        var config = TrainingConfig.ReportControl with
        {
            Epochs = batches is null ? a.Int("epochs") ?? 1 : 1,
            BatchSize = batchSize,
            Threads = a.Int("threads") ?? 2,
            LearningRate = a.Double("lr") ?? 1e-3,
            WeightDecay = a.Double("weight-decay") ?? 1e-4,
            Seed = a.Int("seed") ?? 42,
            // N batches = one epoch over the first N × batch images.
            TrainSubset = batches is null ? null : batches * batchSize,
            Model = a.String("model") ?? nameof(SeedCnn),
            Optimizer = a.String("optimizer") is { } o ? Enum.Parse<OptimizerKind>(o, ignoreCase: true) : OptimizerKind.Adam,
            Momentum = a.Double("momentum") ?? 0.9,
            // --augment: the usual Fashion-MNIST recipe (pad 2 + random crop, horizontal flip); the single options override it.
            CropPadding = a.Int("crop") ?? (a.Flag("augment") ? 2 : 0),
            HorizontalFlip = a.Flag("flip") || a.Flag("augment"),
            ErasingProbability = a.Double("erase") ?? 0,
            Schedule = a.String("schedule") is { } s ? Enum.Parse<ScheduleKind>(s, ignoreCase: true) : ScheduleKind.Constant,
            StepSize = a.Int("step-size") ?? 5,
            StepGamma = a.Double("gamma") ?? 0.1,
            MinLearningRate = a.Double("min-lr") ?? 0,
            WarmupFraction = a.Double("warmup") ?? 0.3,
            ValidationFraction = a.Double("val") ?? 0,
            EarlyStoppingPatience = a.Int("patience") ?? 0,
        };
        if (config.Validate() is { Count: > 0 } errors)
        {
            foreach (var e in errors) Console.Error.WriteLine($"{e.Field}: {e.Message}");
            return 2;
        }
        var members = Math.Max(a.Int("ensemble") ?? 1, 1);

        var loadClock = Stopwatch.StartNew();
        var data = FashionMnistData.Load(FindData(), verifyChecksums: true);
        Console.WriteLine($"data loaded in {loadClock.Elapsed.TotalSeconds:F2} s; config: {config}");

        var observer = new Observer();
        var result = Trainer.Train(config, data, observer);
        if (result.Outcome != TrainingOutcome.Completed)
        {
            Console.Error.WriteLine($"run ended {result.Outcome}: {result.Reason}");
            return 1;
        }
        if (result.Reason is { } reason) Console.WriteLine(reason);
        // --ensemble N: N − 1 more runs with seeds seed + 1, …, then the mean-softmax ensemble of all N on the test set.
        var evaluations = new List<EvaluationResult> { result.Evaluation! };
        for (var m = 1; m < members; m++)
        {
            Console.WriteLine($"ensemble member {m + 1} of {members} (seed {config.Seed + m})");
            var member = Trainer.Train(config with { Seed = config.Seed + m }, data, new Observer());
            if (member.Outcome != TrainingOutcome.Completed || member.Evaluation is null)
            {
                Console.Error.WriteLine($"member run ended {member.Outcome}: {member.Reason}");
                return 1;
            }
            Console.WriteLine($"member {m + 1}: test accuracy {member.Evaluation.Accuracy:P2}");
            evaluations.Add(member.Evaluation);
        }
        var ensemble = members > 1 ? Ensemble.Combine(evaluations) : null;
        if (ensemble is not null) Console.WriteLine($"ensemble of {members}: test accuracy {ensemble.Accuracy:P2}, test loss {ensemble.MeanLoss:F4}");
        var images = (long)(config.TrainSubset ?? data.TrainCount) * config.Epochs;
        var seconds = result.Epochs.Sum(e => e.Seconds);
        var summary = new Dictionary<string, object>
        {
            ["impl"] = "torchsharp",
            ["model"] = config.Model,
            ["config"] = config,
            ["version"] = $"TorchSharp {result.Environment.TorchSharpVersion}, libtorch {result.Environment.LibTorchVersion}",
            ["threads"] = config.Threads,
            ["batch_size"] = batchSize,
            ["batches"] = (images + batchSize - 1) / batchSize,
            ["images"] = images,
            ["seconds"] = seconds,
            ["images_per_sec"] = images / seconds,
            ["epoch_seconds"] = result.Epochs.Select(e => e.Seconds).ToArray(),
            ["rss_mb_by_epoch"] = observer.RssByEpoch,
            ["peak_rss_mb"] = ProcessMemory.PeakRssMb(),
            ["test_accuracy"] = a.Flag("eval") ? result.Epochs.Select(e => e.TestAccuracy).ToArray() : Array.Empty<double>(),
            ["final_accuracy"] = result.Report?.Accuracy ?? double.NaN,
            ["kept_epoch"] = result.KeptEpoch ?? 0,
            ["ensemble_accuracies"] = evaluations.Select(e => e.Accuracy).ToArray(),
            ["ensemble_accuracy"] = ensemble?.Accuracy ?? double.NaN,
        };
        Console.WriteLine($"{images} images in {seconds:F1} s: {images / seconds:F0} img/s; peak RSS {ProcessMemory.PeakRssMb():F0} MB");
        if (a.Flag("eval") && result.Report is { } report)
            Console.WriteLine(report.ToText());
        if (a.String("json") is { } path)
            File.WriteAllText(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions
            {
                WriteIndented = true,
                NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
                Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            }));
        return 0;
    }

    /// <summary>The first directory of the app's search order that holds Fashion-MNIST, or a message saying what to install.</summary>
    internal static string FindData()
    {
        var options = new DatasetOptions();
        return options.SearchOrder.FirstOrDefault(DatasetProvider.HoldsAllFiles)
            ?? throw new DatasetException($"Fashion-MNIST not found in {string.Join(", ", options.SearchOrder)}: apt-get install dataset-fashion-mnist.");
    }
}
