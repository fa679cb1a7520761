using Dashboard.Web.Storage;

namespace Dashboard.Tests.Storage;

/// <summary>"Completed with weights": the one rule that prediction, evaluation, ensembles and the sketch page ask.</summary>
public sealed class RunModelRuleTests
{
    [Fact]
    public void OnlyACompletedRunWithWeightsOrACompletedEnsembleIsAUsableModel()
    {
        var trained = new Run { Name = "a", Status = RunStatus.Completed, HasWeights = true };
        Assert.True(trained.IsUsableModel);
        Assert.Null(trained.WhyNotUsableModel("can predict"));

        var weightless = trained with { HasWeights = false };
        Assert.False(weightless.IsUsableModel);
        Assert.Equal("has no stored weights", weightless.WhyNotUsableModel("can predict"));

        // A cancelled run may have kept weights of its last epoch, but they are not a final model.
        var cancelled = trained with { Status = RunStatus.Cancelled };
        Assert.False(cancelled.IsUsableModel);
        Assert.Equal("is Cancelled: only completed runs can predict", cancelled.WhyNotUsableModel("can predict"));

        var ensemble = new Run { Name = "e", Status = RunStatus.Completed, EnsembleMembers = [Guid.NewGuid(), Guid.NewGuid()] };
        Assert.True(ensemble.IsUsableModel);
        Assert.False((ensemble with { Status = RunStatus.Running }).IsUsableModel);
    }
}
