using System.Diagnostics;
using System.Globalization;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Runtime;
using static Dashboard.Bench.WorkersBench;

namespace Dashboard.Bench;

/// <summary>
/// The machine's own ceiling for the workers benchmark: plain processes that train the same run list with TorchSharp
/// directly (no dashboard, worker, PostgreSQL or network), each taking the next run in queue order as it becomes
/// free. Two of them against one is the most this machine gives two trainings at once, whoever hands them out.
/// </summary>
internal static class BareTrainers
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(90);

    private sealed class Quiet : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochMetrics metrics) { }
    }

    /// <summary>
    /// The child: <c>Dashboard.Bench bare-trainer --runs N --subset S --epochs E --threads T</c> loads the data set, prints
    /// <c>ready</c>, then trains the plan's run of each index read from stdin and prints <c>done INDEX OUTCOME</c>.
    /// </summary>
    public static int Child(Arguments a)
    {
        TorchRuntime.Initialize();
        var plan = Plan(a.Int("runs") ?? 18, a.Int("subset") ?? 2000, a.Int("epochs") ?? 1);
        var threads = a.Int("threads") ?? 1;
        var data = FashionMnistData.Load(TrainBench.FindData(), verifyChecksums: false);
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } line)
        {
            var index = int.Parse(line, CultureInfo.InvariantCulture);
            var result = Trainer.Train(plan[index].Config with { Threads = threads }, data, new Quiet());
            Console.WriteLine($"done {index} {result.Outcome}");
        }
        return 0;
    }

    /// <summary>Trains <paramref name="plan"/> on <c>setup.Workers</c> bare trainers of <c>setup.Threads</c> threads, from the first run handed out to the last done.</summary>
    public static async Task<Measurement> MeasureAsync(Setup setup, int round, IReadOnlyList<PlannedRun> plan, int subset, int epochs, CancellationToken cancel)
    {
        var children = Enumerable.Range(0, setup.Workers).Select(_ => Start(plan.Count, subset, epochs, setup.Threads)).ToList();
        try
        {
            foreach (var child in children) await ExpectAsync(child, "ready", Ready, cancel);
            var launched = DateTime.UtcNow;
            var times = new List<RunTimes>();
            var next = 0;
            var busy = new Dictionary<Task<string?>, (Process Child, int Index, DateTime Started)>();
            void Hand(Process child)
            {
                if (next >= plan.Count) return;
                child.StandardInput.WriteLine(next.ToString(CultureInfo.InvariantCulture));
                busy[child.StandardOutput.ReadLineAsync(cancel).AsTask()] = (child, next, DateTime.UtcNow);
                next++;
            }
            foreach (var child in children) Hand(child);
            while (busy.Count > 0)
            {
                var done = await Task.WhenAny(busy.Keys).WaitAsync(TimeSpan.FromMinutes(30), cancel);
                var (child, index, started) = busy[done];
                busy.Remove(done);
                var line = await SkipChatterAsync(child, await done, cancel);
                if (line != $"done {index} {TrainingOutcome.Completed}")
                    throw new InvalidOperationException($"bare trainer {child.Id} answered '{line}' for run {index} ({plan[index].Name}); stderr: {child.StandardError.ReadToEnd()}");
                times.Add(new RunTimes(Guid.Empty, plan[index].Name, started, DateTime.UtcNow, null, $"bare-{child.Id}"));
                Hand(child);
            }
            return new Measurement(setup.Key, round, launched, (times.Max(t => t.FinishedUtc) - launched).TotalSeconds, times);
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited) child.Kill();
                child.Dispose();
            }
        }
    }

    private static Process Start(int runs, int subset, int epochs, int threads)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { typeof(BareTrainers).Assembly.Location, "bare-trainer", "--runs", $"{runs}", "--subset", $"{subset}", "--epochs", $"{epochs}", "--threads", $"{threads}" })
            info.ArgumentList.Add(arg);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start a bare trainer");
    }

    private static async Task ExpectAsync(Process child, string expected, TimeSpan timeout, CancellationToken cancel)
    {
        var first = await child.StandardOutput.ReadLineAsync(cancel).AsTask().WaitAsync(timeout, cancel);
        var line = await SkipChatterAsync(child, first, cancel).WaitAsync(timeout, cancel);
        if (line != expected)
            throw new InvalidOperationException($"bare trainer {child.Id} printed '{line}' instead of '{expected}'; stderr: {(child.HasExited ? child.StandardError.ReadToEnd() : "(still running)")}");
    }

    // Anything a library prints on stdout is not part of the conversation: read on to the next "ready" or "done" line.
    private static async Task<string?> SkipChatterAsync(Process child, string? line, CancellationToken cancel)
    {
        while (line is not null && line != "ready" && !line.StartsWith("done ", StringComparison.Ordinal))
            line = await child.StandardOutput.ReadLineAsync(cancel);
        return line;
    }
}
