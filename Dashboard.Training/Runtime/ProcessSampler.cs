using System.Diagnostics;

namespace Dashboard.Training.Runtime;

/// <summary>What this process used over an interval.</summary>
/// <param name="CpuPercent">CPU time of all the process's threads over the wall time, in % of one core (like <c>top</c>: 200 = two cores busy).</param>
/// <param name="ResidentBytes">Resident memory (RSS) at the end of the interval.</param>
public readonly record struct ProcessUsage(double CpuPercent, long ResidentBytes);

/// <summary>
/// Measures this process from its start to each <see cref="Sample"/>: CPU use and resident memory. Whole-process
/// figures: in the dashboard they include its web work (small next to training), in a worker its other slots.
/// Cheap enough for every epoch (two reads of the process's counters).
/// </summary>
public sealed class ProcessSampler
{
    private readonly long _startTimestamp;
    private readonly TimeSpan _startCpu;

    private ProcessSampler()
    {
        _startCpu = Environment.CpuUsage.TotalTime;
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts measuring now.</summary>
    public static ProcessSampler StartNew() => new();

    /// <summary>CPU use since the start and resident memory now.</summary>
    public ProcessUsage Sample()
    {
        var cpu = Environment.CpuUsage.TotalTime - _startCpu;
        var wall = Stopwatch.GetElapsedTime(_startTimestamp);
        return new ProcessUsage(wall > TimeSpan.Zero ? 100 * cpu.TotalSeconds / wall.TotalSeconds : 0, Environment.WorkingSet);
    }
}
