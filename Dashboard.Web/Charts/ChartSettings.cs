namespace Dashboard.Web.Charts;

/// <summary>What the x axis of a per-epoch chart measures.</summary>
public enum ChartXAxis
{
    /// <summary>The epoch number.</summary>
    Epoch,
    /// <summary>
    /// Training time: the sum of the epochs' own seconds up to that point. Evaluation, queueing and the pause of
    /// an interrupted run are left out, so runs that waited are not pushed right.
    /// </summary>
    TrainingTime,
}

/// <summary>How a user likes per-epoch charts drawn: smoothing, y scale and x axis. Kept in the browser by <c>ChartControls</c>.</summary>
/// <param name="Smoothing">Weight of the exponential moving average, 0 (off) to <see cref="MaxSmoothing"/>.</param>
/// <param name="LogScale">A logarithmic y axis on charts whose values are all positive and span scales (losses, learning rates).</param>
/// <param name="X">Epochs or training time along x.</param>
public sealed record ChartSettings(double Smoothing = 0, bool LogScale = false, ChartXAxis X = ChartXAxis.Epoch)
{
    public const double MaxSmoothing = 0.99;

    /// <summary>Charts drawn as measured: no smoothing, linear y, epochs along x.</summary>
    public static ChartSettings Default { get; } = new();

    public bool Smoothed => Smoothing > 0;

    /// <summary>
    /// These settings within their ranges: smoothing in [0, <see cref="MaxSmoothing"/>] on a 0.01 grid (what the slider
    /// offers; a NaN is off), an x axis that exists. Settings read back from a browser's storage go through here.
    /// </summary>
    public ChartSettings Normalized() => this with
    {
        Smoothing = double.IsFinite(Smoothing) ? Math.Round(Math.Clamp(Smoothing, 0, MaxSmoothing), 2) : 0,
        X = Enum.IsDefined(X) ? X : ChartXAxis.Epoch,
    };
}

/// <summary>What a chart's download menu saves.</summary>
public enum ChartDownload
{
    Png,
    Svg,
    Csv,
}
