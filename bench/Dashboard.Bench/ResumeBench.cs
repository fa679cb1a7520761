using System.Diagnostics;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Runtime;

namespace Dashboard.Bench;

/// <summary>
/// What resuming adds to a run's start: the time from calling the trainer to its first batch report,
/// fresh against resumed from a checkpoint, alternated so the machine's drift hits both alike.
/// Target: resuming adds under a second (issue 6); it was a timed test until the suite dropped timing.
/// </summary>
internal static class ResumeBench
{
    private sealed class FirstBatch(Action onBatch, Action<TrainingCheckpoint>? onCheckpoint = null) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress) => onBatch();
        public void OnEpoch(EpochMetrics metrics) { }
        public void OnCheckpoint(TrainingCheckpoint checkpoint) => onCheckpoint?.Invoke(checkpoint);
    }

    public static int Run(Arguments a)
    {
        TorchRuntime.Initialize();
        var rounds = a.Int("rounds") ?? 5;
        using var data = FashionMnistData.Load(TrainBench.FindData(), verifyChecksums: false);
        // One batch per epoch, so the first batch report comes straight after the first optimiser step.
        var config = TrainingConfig.ReportControl with
        {
            Model = a.String("model") ?? TrainingConfig.ReportControl.Model,
            Epochs = 2, BatchSize = 128, TrainSubset = 128, Threads = a.Int("threads") ?? 2,
        };
        byte[] checkpoint;
        using (var stop = new CancellationTokenSource())
        {
            byte[]? saved = null;
            Trainer.Train(config, data, new FirstBatch(() => { }, c => { saved = c.ToBytes(); stop.Cancel(); }), stop.Token);
            checkpoint = saved ?? throw new InvalidOperationException("The first epoch left no checkpoint.");
        }

        double TimeToFirstBatch(Func<ITrainingObserver, CancellationToken, TrainingResult> start)
        {
            using var cts = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var seconds = double.NaN;
            start(new FirstBatch(() => { if (double.IsNaN(seconds)) seconds = clock.Elapsed.TotalSeconds; cts.Cancel(); }), cts.Token);
            return seconds;
        }

        var fresh = new List<double>();
        var resumed = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            fresh.Add(TimeToFirstBatch((o, t) => Trainer.Train(config, data, o, t)));
            resumed.Add(TimeToFirstBatch((o, t) => Trainer.Resume(TrainingCheckpoint.FromBytes(checkpoint), data, o, t)));
        }
        static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        Console.WriteLine($"model {config.Model}, checkpoint {checkpoint.Length / 1e6:F1} MB, {rounds} rounds");
        Console.WriteLine($"start to first batch, fresh:   median {Median(fresh) * 1000,6:F0} ms  ({string.Join(", ", fresh.Select(s => $"{s * 1000:F0}"))})");
        Console.WriteLine($"start to first batch, resumed: median {Median(resumed) * 1000,6:F0} ms  ({string.Join(", ", resumed.Select(s => $"{s * 1000:F0}"))})");
        Console.WriteLine($"resuming adds {(Median(resumed) - Median(fresh)) * 1000:F0} ms");
        return 0;
    }
}
