using System.Globalization;
using System.Text;
using static Dashboard.Bench.WorkersBench;

namespace Dashboard.Bench;

/// <summary>The workers benchmark's figures as markdown for docs/benchmarks.md: the command, the machine, the date, one row per setup and the issue's ratios.</summary>
internal static class WorkersReport
{
    public static string Build(string command, IReadOnlyList<Setup> setups, IReadOnlyList<Measurement> measurements, int subset, int epochs, int runs, int rounds, string loadBefore)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"### Training workers (issue 13), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        text.AppendLine();
        text.AppendLine(Invariant($"- command: `{command}`"));
        text.AppendLine(Invariant($"- machine: {Cpu()}, {Environment.ProcessorCount} cores; {VectorFlags()}"));
        text.AppendLine(Invariant($"- load average (1, 5, 15 min): {loadBefore} before, {LoadAverage()} after"));
        text.AppendLine(Invariant($"- work: the report's study with the builder's quick run ({subset:N0} training images, control epochs {epochs}; the epoch alternatives scale alike), its 9 groups in order, repeated to {runs} runs; {rounds} round(s){(rounds > 1 ? ", medians (min–max)" : "")}"));
        text.AppendLine("- wall: from the first run posted (workers already serving) to the last run's FinishedUtc. Mean run: StartedUtc to FinishedUtc, where StartedUtc is when the dashboard's runner took the run (in-process) or the worker's started report arrived (workers), so compare wall per run across the two");
        text.AppendLine("- dashboard CPU per run: the dashboard process's CPU time over the wall, per run; with workers, what their reports cost it (in-process, the training too). Beyond idle: less its CPU per second over 5 s idle just before, times the wall");
        if (setups.Any(s => s.Bare))
            text.AppendLine("- bare trainers (t1, t2): plain processes of this bench (`bare-trainer`) that train the same runs with TorchSharp directly, each run in queue order to whichever is free, data loaded before the wall starts; no dashboard, worker, PostgreSQL or network. (t2)/(t1) is the most two trainings at once get from this machine");
        text.AppendLine();
        text.AppendLine("| setup | wall (s) | runs/h | mean run (s) | wall per run (s) | dashboard CPU per run (ms) | of it beyond idle (ms) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var setup in setups)
        {
            var ms = measurements.Where(m => m.Setup == setup.Key).ToList();
            text.AppendLine(Invariant($"| ({setup.Key}) {setup.Label} | {Figure(ms, m => m.WallSeconds, "F1")} | {Figure(ms, m => m.RunsPerHour, "F0")} | {Figure(ms, m => m.MeanRunSeconds, "F2")} | {Figure(ms, m => m.WallPerRunSeconds, "F2")} | {Figure(ms, m => m.DashboardCpuPerRunMs, "F0")} | {Figure(ms, m => m.DashboardRunCpuPerRunMs, "F0")} |"));
        }
        text.AppendLine();
        text.AppendLine("| figure | measured | target | met? |");
        text.AppendLine("|---|---|---|---|");
        foreach (var row in Ratios(measurements, rounds)) text.AppendLine(row);
        return text.ToString();
    }

    private static IEnumerable<string> Ratios(IReadOnlyList<Measurement> measurements, int rounds)
    {
        // Per round, then the median: each ratio compares setups measured minutes apart in the same round.
        List<double>? PerRound(string x, string y, Func<Measurement, double> value)
        {
            var pairs = Enumerable.Range(1, rounds)
                .Select(r => (X: measurements.FirstOrDefault(m => m.Setup == x && m.Round == r), Y: measurements.FirstOrDefault(m => m.Setup == y && m.Round == r)))
                .Where(p => p.X is not null && p.Y is not null).ToList();
            return pairs.Count == 0 ? null : pairs.Select(p => value(p.X!) / value(p.Y!)).ToList();
        }

        if (PerRound("b", "a", m => m.RunsPerHour) is { } scale)
        {
            var bound = measurements.Where(m => m.Setup == "a").Select(IdealTwoSlotRatio).ToList();
            yield return Invariant($"| (b)/(a) runs per hour, 2 workers vs 1 | **{Spread(scale, "F2")}×** (the bound for this run list, from (a)'s run times in queue order on two slots: {Spread(bound, "F2")}×) | ≥ 1.8× | {Met(Median(scale) >= 1.8)} |");
        }
        if (PerRound("t2", "t1", m => m.RunsPerHour) is { } ceiling)
        {
            yield return Invariant($"| (t2)/(t1) runs per hour, 2 bare trainers vs 1 (no dashboard, worker or PostgreSQL): what this machine gives two trainings at once | {Spread(ceiling, "F2")}× | (the ceiling for (b)/(a)) | |");
            if (PerRound("b", "a", m => m.RunsPerHour) is { } workers && workers.Count == ceiling.Count)
            {
                var share = workers.Zip(ceiling, (w, c) => w / c * 100).ToList();
                yield return Invariant($"| (b)/(a) as a share of (t2)/(t1), per round | **{Spread(share, "F0")} %** | (for information) | |");
            }
        }
        if (PerRound("a", "e1", m => m.WallPerRunSeconds) is { } overhead)
        {
            var percent = overhead.Select(r => (r - 1) * 100).ToList();
            yield return Invariant($"| worker overhead: (a) vs in-process 1 thread, wall per run | **{Signed(percent)} %** ({Median(measurements, "a", m => m.WallPerRunSeconds):F2} s vs {Median(measurements, "e1", m => m.WallPerRunSeconds):F2} s) | ≤ 3 % | {Met(Median(percent) <= 3)} |");
        }
        if (PerRound("d", "c", m => m.RunsPerHour) is { } slots)
        {
            var twoSlots = Median(slots) > 1;
            yield return Invariant($"| (d)/(c) runs per hour, 2 slots × 1 thread vs 1 slot × 2 threads | **{Spread(slots, "F2")}×** | the faster is the default | default: {(twoSlots ? "Worker:Slots = 2, ThreadsPerSlot = 1" : "Worker:Slots = 1, ThreadsPerSlot = 2")} |");
        }
        if (PerRound("c", "e2", m => m.WallPerRunSeconds) is { } overhead2)
        {
            var percent = overhead2.Select(r => (r - 1) * 100).ToList();
            yield return Invariant($"| worker overhead at 2 threads: (c) vs in-process 2 threads, wall per run | {Signed(percent)} % ({Median(measurements, "c", m => m.WallPerRunSeconds):F2} s vs {Median(measurements, "e2", m => m.WallPerRunSeconds):F2} s) | (for information) | |");
        }
    }

    /// <summary>
    /// What two slots could at best gain on this run list: the runs' times from a one-slot measurement, handed in
    /// queue order to whichever of two slots is free first. A short list ends with one slot idle (nine runs: ~1.7×).
    /// </summary>
    internal static double IdealTwoSlotRatio(Measurement oneSlot)
    {
        var slots = new double[2];
        foreach (var run in oneSlot.Runs)
        {
            var free = slots[0] <= slots[1] ? 0 : 1;
            slots[free] += run.WallSeconds;
        }
        return oneSlot.Runs.Sum(r => r.WallSeconds) / slots.Max();
    }

    private static string Figure(List<Measurement> ms, Func<Measurement, double> value, string format)
    {
        // Bare trainers have no dashboard, so no dashboard CPU.
        if (ms.Count == 0 || ms.Any(m => double.IsNaN(value(m)))) return "–";
        return Spread(ms.Select(value).ToList(), format);
    }

    private static string Spread(List<double> values, string format) => values.Count == 1
        ? values[0].ToString(format, CultureInfo.InvariantCulture)
        : Invariant($"{Median(values).ToString(format, CultureInfo.InvariantCulture)} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)})");

    private static string Signed(List<double> percent) => percent.Count == 1
        ? percent[0].ToString("+0.0;-0.0", CultureInfo.InvariantCulture)
        : Invariant($"{Median(percent).ToString("+0.0;-0.0", CultureInfo.InvariantCulture)} ({string.Join(", ", percent.Select(p => p.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)))})");

    private static double Median(IReadOnlyList<Measurement> ms, string setup, Func<Measurement, double> value) =>
        Median(ms.Where(m => m.Setup == setup).Select(value).ToList());

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Met(bool met) => met ? "yes" : "**no**";

    public static string Cpu() => CpuInfo("model name") ?? "unknown CPU";

    /// <summary>The vector extensions of /proc/cpuinfo's flags (AVX, AVX2, FMA, AVX-512 …), which decide libtorch's kernels.</summary>
    public static string VectorFlags()
    {
        var flags = (CpuInfo("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var vector = flags.Where(f => f.StartsWith("avx", StringComparison.Ordinal) || f is "fma" or "f16c" or "amx_bf16" or "amx_int8").ToList();
        var avx512 = vector.Where(f => f.StartsWith("avx512", StringComparison.Ordinal)).ToList();
        return (avx512.Count > 0 ? "AVX-512 present" : "no AVX-512") + $"; vector flags: {(vector.Count > 0 ? string.Join(' ', vector) : "none")}";
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string? CpuInfo(string key)
    {
        if (!File.Exists("/proc/cpuinfo")) return null;
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l.Split(':', 2)[0].Trim() == key);
        return line?.Split(':', 2)[1].Trim();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
