namespace Dashboard.Training;

/// <summary>
/// Tracks the lowest validation loss and how many epochs have passed without improving on it.
/// A loss counts as an improvement only when strictly lower.
/// </summary>
internal sealed class EarlyStopping(int patience)
{
    public int Patience { get; } = patience;
    public bool Enabled => Patience > 0;
    public int? BestEpoch { get; private set; }
    public double? BestLoss { get; private set; }
    public int EpochsWithoutImprovement { get; private set; }
    public bool ShouldStop => Enabled && EpochsWithoutImprovement >= Patience;

    /// <summary>Records an epoch's validation loss; true when it is the new best.</summary>
    public bool Observe(int epoch, double validationLoss)
    {
        if (BestLoss is null || validationLoss < BestLoss)
        {
            BestEpoch = epoch;
            BestLoss = validationLoss;
            EpochsWithoutImprovement = 0;
            return true;
        }
        EpochsWithoutImprovement++;
        return false;
    }

    /// <summary>The state after <paramref name="epoch"/> epochs, from a checkpoint's best epoch and loss.</summary>
    public void Restore(int epoch, int? bestEpoch, double? bestLoss)
    {
        BestEpoch = bestEpoch;
        BestLoss = bestLoss;
        EpochsWithoutImprovement = bestEpoch is { } best ? epoch - best : 0;
    }
}
