namespace Dashboard.Training.Schedules;

/// <summary>How the learning rate changes over a run.</summary>
public enum ScheduleKind
{
    /// <summary>The learning rate throughout (the lab report's choice).</summary>
    Constant,
    /// <summary>Multiplied by <see cref="TrainingConfig.StepGamma"/> every <see cref="TrainingConfig.StepSize"/> epochs.</summary>
    Step,
    /// <summary>Cosine annealing from the learning rate to <see cref="TrainingConfig.MinLearningRate"/> over the run.</summary>
    Cosine,
    /// <summary>
    /// One cycle, per batch: a cosine warm-up from lr / 25 to the learning rate over
    /// <see cref="TrainingConfig.WarmupFraction"/> of the steps, then a cosine decay to lr / 250,000.
    /// </summary>
    OneCycle,
}

/// <summary>
/// The learning rate as a pure function of the position in the run, so a resumed run uses exactly the
/// rates an uninterrupted one would. Formulas are PyTorch's <c>StepLR</c>, <c>CosineAnnealingLR</c>
/// (closed form, <c>T_max</c> = epochs) and <c>OneCycleLR</c> (cosine, <c>div_factor</c> 25,
/// <c>final_div_factor</c> 10⁴, momentum not cycled).
/// </summary>
/// <param name="Kind">The schedule.</param>
/// <param name="LearningRate">The base rate; for one-cycle the peak.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="StepSize">Epochs between step decays.</param>
/// <param name="StepGamma">Factor of each step decay.</param>
/// <param name="MinLearningRate">Floor of the cosine schedule.</param>
/// <param name="WarmupFraction">Share of one-cycle's steps spent rising (PyTorch's <c>pct_start</c>).</param>
public sealed record LearningRateSchedule(
    ScheduleKind Kind, double LearningRate, int Epochs, int StepSize = 5, double StepGamma = 0.1,
    double MinLearningRate = 0, double WarmupFraction = 0.3)
{
    /// <summary>One-cycle starts at the peak divided by this (PyTorch's <c>div_factor</c>).</summary>
    public const double OneCycleDivFactor = 25;
    /// <summary>One-cycle ends at its start rate divided by this (PyTorch's <c>final_div_factor</c>).</summary>
    public const double OneCycleFinalDivFactor = 1e4;

    /// <summary>The schedule a config asks for.</summary>
    public static LearningRateSchedule From(TrainingConfig config) => new(
        config.Schedule, config.LearningRate, config.Epochs, config.StepSize, config.StepGamma, config.MinLearningRate, config.WarmupFraction);

    /// <summary>Whether the rate changes within an epoch (only one-cycle does).</summary>
    public bool PerBatch => Kind == ScheduleKind.OneCycle;

    /// <summary>The rate for batch <paramref name="batch"/> (0-based) of epoch <paramref name="epoch"/> (1-based).</summary>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="batch">0-based batch within the epoch; only one-cycle uses it.</param>
    /// <param name="batchesPerEpoch">Batches in an epoch; only one-cycle uses it.</param>
    public double At(int epoch, int batch = 0, int batchesPerEpoch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        return Kind switch
        {
            ScheduleKind.Step => LearningRate * Math.Pow(StepGamma, (epoch - 1) / StepSize),
            ScheduleKind.Cosine => MinLearningRate + (LearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * (epoch - 1) / Epochs)) / 2,
            ScheduleKind.OneCycle => OneCycle((long)(epoch - 1) * batchesPerEpoch + batch, (long)Epochs * batchesPerEpoch),
            _ => LearningRate,
        };
    }

    /// <summary>The mean rate over an epoch's batches (the epoch's rate for per-epoch schedules): the value the charts show.</summary>
    public double MeanOfEpoch(int epoch, int batchesPerEpoch)
    {
        if (!PerBatch) return At(epoch);
        double sum = 0;
        for (var b = 0; b < batchesPerEpoch; b++) sum += At(epoch, b, batchesPerEpoch);
        return sum / batchesPerEpoch;
    }

    private double OneCycle(long step, long totalSteps)
    {
        var initial = LearningRate / OneCycleDivFactor;
        var final = initial / OneCycleFinalDivFactor;
        // PyTorch's phase ends: the peak is reached at step pct_start × total − 1, the floor at the last step.
        var warmupEnd = WarmupFraction * totalSteps - 1;
        var end = totalSteps - 1.0;
        if (step <= warmupEnd)
            return Anneal(initial, LearningRate, warmupEnd <= 0 ? 1 : step / warmupEnd);
        return Anneal(LearningRate, final, end <= warmupEnd ? 1 : (step - warmupEnd) / (end - warmupEnd));
    }

    private static double Anneal(double start, double end, double fraction) => end + (start - end) / 2 * (1 + Math.Cos(Math.PI * fraction));
}
