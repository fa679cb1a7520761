using System.Diagnostics;
using System.Text.Json;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Inference;
using Dashboard.Training.Runtime;
using Dashboard.Web.Events;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace Dashboard.Bench;

/// <summary>
/// Times server-side predictions through the same store, model cache and predictor as POST /api/predict
/// (HTTP excluded): trains (or loads) SeedCnn runs, stores them in a scratch database, then classifies
/// test images one at a time. Target: under 20 ms for one model.
/// </summary>
internal static class PredictBench
{
    public static int Run(Arguments a)
    {
        TorchRuntime.Initialize();
        var iterations = a.Int("iterations") ?? 1000;
        var runCount = a.Int("runs") ?? 1;
        var threads = a.Int("threads") ?? 2;
        if (runCount is < 1 or > Predictor.MaxRuns) throw new ArgumentException($"--runs must be between 1 and {Predictor.MaxRuns}.");

        var data = FashionMnistData.Load(TrainBench.FindData(), verifyChecksums: false);
        var dir = Directory.CreateTempSubdirectory("dashboard-predict-bench-");
        try
        {
            using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = Path.Combine(dir.FullName, "dashboard.db") }), NullLogger<RunStore>.Instance);
            var ids = new List<Guid>();
            for (var r = 0; r < runCount; r++) ids.Add(StoreRun(store, data, a, seed: 42 + r));

            // Training sets the process-wide thread count; predictions in the app run with whatever is set.
            torch.set_num_threads(threads);
            using var cache = new ModelCache(store, new RunNotifier(NullLogger<RunNotifier>.Instance), Options.Create(new PredictionOptions()));
            var predictor = new Predictor(store, cache);
            float[] Image(int i) => data.TestPixels.AsSpan(i % data.TestCount * 784, 784).ToArray().Select(b => (float)b).ToArray();

            var cold = Stopwatch.StartNew();
            predictor.Predict(ids, Image(0));
            var coldMs = cold.Elapsed.TotalMilliseconds;
            for (var i = 0; i < 20; i++) predictor.Predict(ids, Image(i));

            var predict = new List<double>(iterations);
            var preprocess = new List<double>(iterations);
            var raster = new byte[112 * 112];
            for (var i = 0; i < iterations; i++)
            {
                var pixels = Image(i);
                var clock = Stopwatch.StartNew();
                // As the API and the Sketch page run it: on a thread of its own (TorchThread, decision 0013).
                TorchThread.RunAsync(() => predictor.Predict(ids, pixels)).GetAwaiter().GetResult();
                predict.Add(clock.Elapsed.TotalMilliseconds);

                // The Sketch page's extra step: a 112×112 canvas raster back to 28×28.
                for (var p = 0; p < raster.Length; p++) raster[p] = (byte)(255 - pixels[p / 112 / 4 * 28 + p % 112 / 4]);
                clock.Restart();
                SketchPreprocessor.Preprocess(raster, 112, 112);
                preprocess.Add(clock.Elapsed.TotalMilliseconds);
            }

            var (median, p95) = (Percentile(predict, 0.5), Percentile(predict, 0.95));
            Console.WriteLine($"{runCount} model(s), {threads} thread(s), {iterations} predictions: median {median:F2} ms, p95 {p95:F2} ms, " +
                              $"mean {predict.Average():F2} ms, max {predict.Max():F2} ms; first (loads weights) {coldMs:F1} ms");
            Console.WriteLine($"sketch preprocessing (112×112 → 28×28): median {Percentile(preprocess, 0.5):F3} ms, p95 {Percentile(preprocess, 0.95):F3} ms");
            if (runCount == 1) Console.WriteLine($"target < 20 ms for one model: {(p95 < 20 ? "met" : "NOT met")} (p95)");
            if (a.String("json") is { } path)
            {
                File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["runs"] = runCount,
                    ["threads"] = threads,
                    ["iterations"] = iterations,
                    ["median_ms"] = median,
                    ["p95_ms"] = p95,
                    ["mean_ms"] = predict.Average(),
                    ["max_ms"] = predict.Max(),
                    ["first_ms"] = coldMs,
                    ["preprocess_median_ms"] = Percentile(preprocess, 0.5),
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A completed run with weights: loaded from --weights, else trained on --train-subset images.</summary>
    private static Guid StoreRun(RunStore store, FashionMnistData data, Arguments a, int seed)
    {
        var config = TrainingConfig.ReportControl with
        {
            Epochs = a.Int("epochs") ?? 1,
            TrainSubset = a.Int("train-subset") ?? 4000,
            Threads = a.Int("threads") ?? 2,
            Seed = seed,
        };
        byte[] weights;
        if (a.String("weights") is { } file)
        {
            weights = File.ReadAllBytes(file);
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var result = Trainer.Train(config, data);
            weights = result.Weights ?? throw new InvalidOperationException($"Training ended {result.Outcome}: {result.Reason}");
            Console.WriteLine($"trained seed {seed} on {config.TrainSubset} images in {clock.Elapsed.TotalSeconds:F1} s: test accuracy {result.Report!.Accuracy:P2}");
        }
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = $"bench seed {seed}",
            Config = config,
            Status = RunStatus.Completed,
            CreatedUtc = DateTime.UtcNow,
            HasWeights = true,
        };
        store.InsertMany([run]);
        store.SaveWeights(run.Id, weights);
        return run.Id;
    }

    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }
}
