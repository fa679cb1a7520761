using System.Globalization;
using Dashboard.Training;

namespace Dashboard.Web.Components.Shared;

/// <summary>How run figures are written on every page.</summary>
public static class RunFormat
{
    /// <summary><c>45 s</c>, <c>3:07</c>, <c>1:02:03</c>.</summary>
    /// <summary>Who created a run or study; a dash for those stored before accounts, which have no creator.</summary>
    public static string Creator(string? name) => string.IsNullOrEmpty(name) ? "—" : name;

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalSeconds < 60) return $"{span.TotalSeconds:0} s";
        return span.TotalHours >= 1
            ? $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}"
            : $"{span.Minutes}:{span.Seconds:00}";
    }

    public static string Duration(double? seconds) => seconds is { } s ? Duration(TimeSpan.FromSeconds(s)) : "";

    public static string Percent(double? fraction, int digits = 2) =>
        fraction is { } f ? (f * 100).ToString("F" + digits, CultureInfo.InvariantCulture) + " %" : "";

    public static string Fixed(double? value, int digits = 4) =>
        value is { } v ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "";

    /// <summary>Learning rates and decays as typed in the form: <c>0.001</c>, <c>0.0001</c>.</summary>
    public static string Real(double value) => value.ToString("G", CultureInfo.InvariantCulture);

    public static string Rate(double imagesPerSecond) => imagesPerSecond.ToString("N0", CultureInfo.InvariantCulture) + " img/s";

    /// <summary>Share of the whole run's training batches done (0–1).</summary>
    public static double Fraction(BatchProgress p, int epochs) =>
        p.BatchesPerEpoch <= 0 || epochs <= 0 ? 0 : Math.Clamp(((p.Epoch - 1) * (double)p.BatchesPerEpoch + p.Batch) / ((double)epochs * p.BatchesPerEpoch), 0, 1);

    /// <summary>The x of a batch-loss point: fractional epochs since the start (epoch 2, half done = 1.5).</summary>
    public static double EpochPosition(BatchProgress p) =>
        p.Epoch - 1 + (p.BatchesPerEpoch <= 0 ? 0 : (double)p.Batch / p.BatchesPerEpoch);

    /// <summary>Local time for narrow columns: <c>Nov 28 09:44</c> this year, else <c>2025-11-28</c>.</summary>
    public static string Short(DateTime utc)
    {
        var local = utc.ToLocalTime();
        return local.Year == DateTime.Now.Year
            ? local.ToString("MMM d HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>Local time, minutes precision.</summary>
    public static string When(DateTime utc) => utc.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The config's augmentation in words ("none" when off); shared by the run and compare pages.</summary>
    public static string Augmentation(TrainingConfig c)
    {
        var parts = new List<string>();
        if (c.CropPadding > 0) parts.Add($"random crop (pad {c.CropPadding})");
        if (c.HorizontalFlip) parts.Add("horizontal flip");
        if (c.ErasingProbability > 0) parts.Add($"erasing p={Real(c.ErasingProbability)} (area {Real(c.ErasingMinArea)}–{Real(c.ErasingMaxArea)})");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>The learning-rate schedule in words.</summary>
    public static string Schedule(TrainingConfig c) => c.Schedule switch
    {
        Dashboard.Training.Schedules.ScheduleKind.Step => $"step: ×{Real(c.StepGamma)} every {c.StepSize} epoch(s)",
        Dashboard.Training.Schedules.ScheduleKind.Cosine => $"cosine down to {Real(c.MinLearningRate)}",
        Dashboard.Training.Schedules.ScheduleKind.OneCycle => $"one cycle, warm-up {Real(c.WarmupFraction)}",
        _ => "constant",
    };

    /// <summary>The validation split and early stopping in words.</summary>
    public static string Validation(TrainingConfig c) => c.ValidationFraction > 0
        ? $"{Real(c.ValidationFraction)} held out" + (c.EarlyStoppingPatience > 0 ? $", early stopping after {c.EarlyStoppingPatience}" : "")
        : "none";
}
