using System.Diagnostics;
using Dashboard.Training.Runtime;

namespace Dashboard.Tests.Training;

/// <summary>The sampler's figures against what the process really did, and against the kernel's own counters.</summary>
[Collection(TrainingCollection.Name)]
public class ProcessSamplerTests
{
    // USER_HZ: /proc reports CPU time in these ticks on every Linux this runs on.
    private const double ClockTicksPerSecond = 100;

    [Fact]
    public void ABusyLoopShowsAsMostOfOneCore()
    {
        var before = ProcessCpuSecondsFromProc();
        var wall = Stopwatch.StartNew();
        var sampler = ProcessSampler.StartNew();
        var spin = Stopwatch.StartNew();
        long x = 0;
        while (spin.ElapsedMilliseconds < 600) x += spin.ElapsedTicks & 1;
        var usage = sampler.Sample();
        var kernelPercent = 100 * (ProcessCpuSecondsFromProc() - before) / wall.Elapsed.TotalSeconds;

        Assert.True(x >= 0);
        // One spinning thread is one core, less what a shared 2-core machine takes away; the upper bound is every core.
        Assert.InRange(usage.CpuPercent, 50, 100 * Environment.ProcessorCount + 5);
        // The kernel's tick counters (10 ms ticks over 0.6 s) agree within their resolution and the runner's own threads.
        Assert.InRange(usage.CpuPercent - kernelPercent, -15, 15);
    }

    [Fact]
    public void ResidentMemoryIsTheKernelsAndGrowsWithTouchedPages()
    {
        var sampler = ProcessSampler.StartNew();
        var before = sampler.Sample().ResidentBytes;
        var statm = ResidentBytesFromProc();
        Assert.InRange(before, statm * 0.9, statm * 1.1);

        const int size = 200 << 20;
        var block = GC.AllocateUninitializedArray<byte>(size);
        for (var i = 0; i < size; i += 4096) block[i] = 1;
        var after = sampler.Sample().ResidentBytes;
        GC.KeepAlive(block);

        Assert.InRange(after - before, size * 0.9, size * 1.5);
    }

    private static double ProcessCpuSecondsFromProc()
    {
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / ClockTicksPerSecond;
    }

    private static long ResidentBytesFromProc() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;
}
