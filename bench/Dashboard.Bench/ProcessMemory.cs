namespace Dashboard.Bench;

/// <summary>Resident memory of this process from /proc (Linux).</summary>
internal static class ProcessMemory
{
    public static double RssMb() => ReadKb("VmRSS:") / 1024.0;

    public static double PeakRssMb() => ReadKb("VmHWM:") / 1024.0;

    private static long ReadKb(string field)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0]);
    }
}
