using Dashboard.Bench.Harness;

namespace Dashboard.Bench;

/// <summary>kill-storm: the fault harness of issue 11 (see <see cref="KillStorm"/>); exit 1 when a property failed.</summary>
internal static class KillStormBench
{
    public static async Task<int> RunAsync(Arguments a)
    {
        var options = new KillStormOptions
        {
            Kills = a.Int("kills") ?? 20,
            Runs = a.Int("runs") ?? 3,
            Epochs = a.Int("epochs") ?? 3,
            TrainSubset = a.Int("train-subset") ?? 2000,
            Seed = a.Int("seed") ?? 1,
            Deadline = TimeSpan.FromMinutes(a.Int("minutes") ?? 40),
            Phases = a.String("phases")?.Split(',').Select(Enum.Parse<KillPhase>).ToList(),
        };
        if (options.Phases is { } phases) options = options with { Kills = phases.Count };
        Console.WriteLine($"kill-storm: {options.Kills} kills, {options.Runs} runs × {options.Epochs} epochs on {options.TrainSubset} images, seed {options.Seed}");
        var report = await KillStorm.RunAsync(options, Console.Out);
        KillStorm.Print(report, Console.Out);
        return report.Passed ? 0 : 1;
    }
}
