using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Beyond;

/// <summary>
/// One dashboard with two completed quick runs (same config, seeds 7 and 8), shared by the resume,
/// ensemble and gallery tests so that each does not train its own.
/// </summary>
public sealed class QuickRunsFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    /// <summary>3 epochs on 2,000 images: a few seconds, and a per-epoch checkpoint to cancel after.</summary>
    public static readonly TrainingConfig Config = TrainingConfig.ReportControl with { Epochs = 3, BatchSize = 128, TrainSubset = 2000, Threads = 2, Seed = 7 };

    public DashboardApp App { get; private set; } = null!;
    public Run First { get; private set; } = null!;
    public Run Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = new DashboardApp(_dir.Path);
        var first = App.Training.Launch(Config, "member seed 7").Run!;
        var second = App.Training.Launch(Config with { Seed = 8 }, "member seed 8").Run!;
        First = await App.WaitForFinishAsync(first.Id);
        Second = await App.WaitForFinishAsync(second.Id);
        if (First.Status != RunStatus.Completed || Second.Status != RunStatus.Completed)
            throw new InvalidOperationException($"The fixture's runs did not complete: {First.StatusReason} / {Second.StatusReason}");
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        _dir.Dispose();
    }
}
