using System.Diagnostics;
using Dashboard.Training.Data;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Bench;

/// <summary>
/// Splits a training step of the seed config into its phases (batch slicing, forward + loss, backward,
/// optimizer) and times each, so a throughput gap can be pinned on one of them (decision 0011).
/// </summary>
internal static class PhasesBench
{
    public static int Run(Arguments a)
    {
        // --worker-thread: train on a thread of its own, as the dashboard does, to compare with the main thread.
        if (!a.Flag("worker-thread")) return Measure(a);
        var result = 0;
        var thread = new Thread(() => result = Measure(a));
        thread.Start();
        thread.Join();
        return result;
    }

    private static int Measure(Arguments a)
    {
        TorchRuntime.Initialize();
        var threads = a.Int("threads") ?? 2;
        var batches = a.Int("batches") ?? 200;
        var batchSize = a.Int("batch-size") ?? 128;
        torch.set_num_threads(threads);
        using var data = FashionMnistData.Load(TrainBench.FindData(), verifyChecksums: false);
        torch.manual_seed(42);
        using var model = ModelCatalog.Create(a.String("model") ?? nameof(SeedCnn));
        using var optimizer = optim.Adam(model.parameters(), 1e-3, weight_decay: 1e-4);
        using var generator = new Generator(42);
        using var permutation = randperm(data.TrainCount, generator: generator);
        var clocks = new[] { new Stopwatch(), new Stopwatch(), new Stopwatch(), new Stopwatch() };
        var total = Stopwatch.StartNew();
        var warmup = 10;
        for (var batch = 0; batch < batches + warmup; batch++)
        {
            if (batch == warmup)
            {
                foreach (var c in clocks) c.Reset();
                total.Restart();
            }
            using var scope = NewDisposeScope();
            clocks[0].Start();
            var indices = permutation.narrow(0, (batch * batchSize) % (data.TrainCount - batchSize), batchSize);
            var x = data.TrainImages.index_select(0, indices);
            var y = data.TrainLabels.index_select(0, indices);
            optimizer.zero_grad();
            clocks[0].Stop();
            clocks[1].Start();
            var loss = nn.functional.cross_entropy(model.call(x), y);
            clocks[1].Stop();
            clocks[2].Start();
            loss.backward();
            clocks[2].Stop();
            clocks[3].Start();
            optimizer.step();
            _ = loss.item<float>();
            clocks[3].Stop();
        }
        var seconds = total.Elapsed.TotalSeconds;
        string[] names = ["slice + zero_grad", "forward + loss", "backward", "optimizer step"];
        for (var i = 0; i < names.Length; i++)
            Console.WriteLine($"{names[i],-18} {clocks[i].Elapsed.TotalMilliseconds / batches,7:F2} ms/batch");
        Console.WriteLine($"{"total",-18} {seconds * 1000 / batches,7:F2} ms/batch = {batches * batchSize / seconds:F0} img/s");
        return 0;
    }
}
