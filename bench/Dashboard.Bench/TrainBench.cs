using System.Diagnostics;
using System.Text.Json;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Runtime;

namespace Dashboard.Bench;

/// <summary>Trains the seed config headless and reports images/s, seconds per epoch and memory.</summary>
internal static class TrainBench
{
    private sealed class Observer : ITrainingObserver
    {
        public List<double> RssByEpoch { get; } = [];
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochMetrics metrics)
        {
            RssByEpoch.Add(ProcessMemory.RssMb());
            Console.WriteLine($"epoch {metrics.Epoch}: {metrics.Seconds:F1} s, {metrics.ImagesPerSecond:F0} img/s, train loss {metrics.TrainLoss:F4}, test loss {metrics.TestLoss:F4}, test accuracy {metrics.TestAccuracy:P2}, RSS {RssByEpoch[^1]:F0} MB");
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
        };

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
        var images = (long)(config.TrainSubset ?? data.TrainCount) * config.Epochs;
        var seconds = result.Epochs.Sum(e => e.Seconds);
        var summary = new Dictionary<string, object>
        {
            ["impl"] = "torchsharp",
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
        };
        Console.WriteLine($"{images} images in {seconds:F1} s: {images / seconds:F0} img/s; peak RSS {ProcessMemory.PeakRssMb():F0} MB");
        if (a.Flag("eval") && result.Report is { } report)
            Console.WriteLine(report.ToText());
        if (a.String("json") is { } path)
            File.WriteAllText(path, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static string FindData()
    {
        var options = new DatasetOptions();
        return options.SearchOrder.FirstOrDefault(DatasetProvider.HoldsAllFiles)
            ?? throw new DatasetException($"Fashion-MNIST not found in {string.Join(", ", options.SearchOrder)}: apt-get install dataset-fashion-mnist.");
    }
}
