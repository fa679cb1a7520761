using Dashboard.Web.Storage;
using Dashboard.Web.Studies;

namespace Dashboard.Tests.Studies;

public sealed class StudyProgressTests
{
    [Theory]
    [InlineData(StudyStatus.Queued, RunStatus.Queued, RunStatus.Queued)]
    [InlineData(StudyStatus.Running, RunStatus.Running, RunStatus.Queued)]
    [InlineData(StudyStatus.Running, RunStatus.Completed, RunStatus.Queued)]
    [InlineData(StudyStatus.Completed, RunStatus.Completed, RunStatus.Completed)]
    [InlineData(StudyStatus.Cancelled, RunStatus.Completed, RunStatus.Cancelled)]
    [InlineData(StudyStatus.Incomplete, RunStatus.Completed, RunStatus.Diverged)]
    [InlineData(StudyStatus.Incomplete, RunStatus.Interrupted, RunStatus.Completed)]
    public void TheStatusIsDerivedFromTheRuns(StudyStatus expected, RunStatus a, RunStatus b)
    {
        Assert.Equal(expected, StudyProgress.From([a, b]).Status);
    }

    [Fact]
    public void ADeletedRunCountsAsFinishedButNotCompleted()
    {
        var progress = StudyProgress.From([RunStatus.Completed, null]);
        Assert.Equal((2, 1, 1), (progress.Finished, progress.Completed, progress.Failed));
        Assert.True(progress.IsFinished);
        Assert.Equal(StudyStatus.Incomplete, progress.Status);
    }
}
