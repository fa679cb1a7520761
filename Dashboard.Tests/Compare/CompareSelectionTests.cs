using Dashboard.Web.Comparison;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Compare;

public sealed class CompareSelectionTests
{
    private readonly Dictionary<Guid, Run> _runs = [];

    private Run Add(Run run)
    {
        _runs[run.Id] = run;
        return run;
    }

    private CompareSelection Resolve(string ids) => CompareSelection.Resolve(ids, id => _runs.GetValueOrDefault(id));

    [Fact]
    public void FinishedRunsAreKeptInUrlOrderAndEveryOtherIdIsExplained()
    {
        var a = Add(CompareRuns.Finished("a", CompareRuns.Fashion(), 10));
        var b = Add(CompareRuns.Cancelled("b"));
        var running = Add(CompareRuns.Cancelled("busy") with { Status = RunStatus.Running });
        var unknown = Guid.NewGuid();

        var selection = Resolve($"{b.Id}, nonsense,{a.Id},{unknown},{running.Id},{b.Id}");

        Assert.Equal([b.Id, a.Id], selection.Runs.Select(r => r.Id));
        Assert.True(selection.CanCompare);
        Assert.Equal(
        [
            "'nonsense' is not a run id.",
            $"No run has the id {unknown}; it may have been deleted.",
            "'busy' is still running; it can be compared once it finishes.",
        ], selection.Problems);
        Assert.Equal($"{b.Id},{a.Id}", selection.IdsParameter);
    }

    [Fact]
    public void FewerThanTwoRunsCannotBeCompared()
    {
        var a = Add(CompareRuns.Finished("a", CompareRuns.Fashion(), 10));
        Assert.False(Resolve("").CanCompare);
        Assert.Empty(Resolve("").Problems);
        Assert.False(Resolve(a.Id.ToString()).CanCompare);
    }

    [Fact]
    public void MoreThanEightRunsAreCutToEightWithAMessage()
    {
        var runs = Enumerable.Range(0, 10).Select(i => Add(CompareRuns.Finished($"r{i}", CompareRuns.Fashion(), i))).ToList();

        var selection = Resolve(CompareSelection.Join(runs.Select(r => r.Id)));

        Assert.Equal(runs.Take(8).Select(r => r.Id), selection.Runs.Select(r => r.Id));
        Assert.Equal("At most 8 runs can be compared at once; the last 2 were left out.", Assert.Single(selection.Problems));
    }
}
