using Dashboard.Web.Operations;

namespace Dashboard.Web.Components.Pages.Status;

/// <summary>Wording and figures of the status page, apart from its markup.</summary>
public static class StatusFormat
{
    private static readonly string[] Units = ["bytes", "KB", "MB", "GB", "TB"];

    /// <summary><c>812 bytes</c>, <c>1.4 MB</c>, <c>23.0 GB</c> (powers of 1024).</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b) return "unknown";
        if (b < 1024) return FormattableString.Invariant($"{b:N0} bytes");
        double value = b;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return FormattableString.Invariant($"{value:0.0} {Units[unit]}");
    }

    /// <summary>Share of <paramref name="part"/> in <paramref name="whole"/>, 0–100.</summary>
    public static double Percent(long part, long whole) => whole <= 0 ? 0 : Math.Clamp(100.0 * part / whole, 0, 100);

    /// <summary>The running run's progress through all its epochs, 0–100 (0 before the first batch).</summary>
    public static double RunPercent(RunningRun run) => run.Progress is not { } p || run.TotalEpochs <= 0 || p.BatchesPerEpoch <= 0
        ? 0
        : Math.Clamp(100.0 * ((p.Epoch - 1) + (double)p.Batch / p.BatchesPerEpoch) / run.TotalEpochs, 0, 100);

    public static string RunProgress(RunningRun run) => run.Progress is not { } p
        ? "starting (loading data)"
        : FormattableString.Invariant($"epoch {p.Epoch} of {run.TotalEpochs}, batch {p.Batch} of {p.BatchesPerEpoch} · {p.ImagesPerSecond:N0} img/s · about {Shared.RunFormat.Duration(p.Eta)} left");

    public static string CheckpointAge(int days) => days == 0 ? "kept forever" : $"removed after {days} day{(days == 1 ? "" : "s")}";

    public static string Cap(long? maxBytes) => maxBytes is { } b ? FormattableString.Invariant($"{Bytes(b)} ({b:N0} bytes)") : "no cap";

    /// <summary><c>every hour</c>, <c>every 6 hours</c>, <c>every 90 seconds</c>.</summary>
    public static string Interval(TimeSpan interval)
    {
        var (count, unit) = interval switch
        {
            { TotalDays: >= 1 } when interval.TotalDays % 1 == 0 => (interval.TotalDays, "day"),
            { TotalHours: >= 1 } when interval.TotalHours % 1 == 0 => (interval.TotalHours, "hour"),
            { TotalMinutes: >= 1 } when interval.TotalMinutes % 1 == 0 => (interval.TotalMinutes, "minute"),
            _ => (Math.Round(interval.TotalSeconds), "second"),
        };
        return count == 1 ? $"every {unit}" : FormattableString.Invariant($"every {count:0} {unit}s");
    }

    public static string LastPass(RetentionPass? pass) => pass is null
        ? "not yet run"
        : $"{pass.AtUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: " + (pass.Removed.Count == 0
            ? "nothing to remove"
            : $"removed {pass.Removed.Count} checkpoint{(pass.Removed.Count == 1 ? "" : "s")}, {Bytes(pass.BytesRemoved)}");
}
