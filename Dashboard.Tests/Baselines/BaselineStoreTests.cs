using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Web.Accounts;
using Dashboard.Web.Baselines;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Baselines;

/// <summary>Pinned baselines in a real LiteDB file: one per user, finished runs only, cleared with their run.</summary>
public sealed class BaselineStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunStore _runs;
    private readonly BaselineStore _baselines;

    public BaselineStoreTests()
    {
        _runs = new RunStore(Options.Create(new StorageOptions { DatabasePath = _dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);
        _baselines = new BaselineStore(_runs);
    }

    public void Dispose()
    {
        _runs.Dispose();
        _dir.Dispose();
    }

    private static readonly Actor Alice = new("Alice", Role.Viewer), Bob = new("bob", Role.Member);

    [Fact]
    public void EachUserHasTheirOwnBaselineWhateverTheCaseOfTheirName()
    {
        var a = CompareRuns.Finished("a", CompareRuns.Fashion(), 10);
        var b = CompareRuns.Finished("b", CompareRuns.Fashion(), 20);
        _runs.InsertMany([a, b]);

        Assert.Null(_baselines.Get(Alice));
        Assert.Equal(a.Id, _baselines.Pin(Alice, a.Id).Value!.Id);
        Assert.Equal(b.Id, _baselines.Pin(Bob, b.Id).Value!.Id);

        Assert.Equal(a.Id, _baselines.Get(new Actor("ALICE", Role.Admin))!.Id);
        Assert.Equal(b.Id, _baselines.Get(Bob)!.Id);
        // Pinning again replaces; unpinning one user leaves the other's.
        _baselines.Pin(Alice, b.Id);
        Assert.Equal(b.Id, _baselines.Get(Alice)!.Id);
        Assert.True(_baselines.Unpin(Alice));
        Assert.False(_baselines.Unpin(Alice));
        Assert.Null(_baselines.Get(Alice));
        Assert.Equal(b.Id, _baselines.Get(Bob)!.Id);
    }

    [Fact]
    public void OnlyAnExistingFinishedRunCanBePinnedAndARefusalChangesNothing()
    {
        var done = CompareRuns.Finished("done", CompareRuns.Fashion(), 10);
        var running = CompareRuns.Cancelled("busy") with { Status = RunStatus.Running };
        _runs.InsertMany([done, running]);
        _baselines.Pin(Alice, done.Id);

        var unfinished = _baselines.Pin(Alice, running.Id).Error!;
        Assert.Equal(ActionFailure.Conflict, unfinished.Kind);
        Assert.Equal("“busy” is still running: pin it as the baseline once it finishes.", unfinished.Message);
        Assert.Equal(ActionFailure.NotFound, _baselines.Pin(Alice, Guid.NewGuid()).Error!.Kind);
        Assert.Equal(ActionFailure.Forbidden, _baselines.Pin(new Actor("", Role.Viewer), done.Id).Error!.Kind);
        Assert.Equal(done.Id, _baselines.Get(Alice)!.Id);
    }

    [Fact]
    public void DeletingThePinnedRunClearsThePin()
    {
        var a = CompareRuns.Finished("a", CompareRuns.Fashion(), 10);
        var b = CompareRuns.Finished("b", CompareRuns.Fashion(), 20);
        _runs.InsertMany([a, b]);
        _baselines.Pin(Alice, a.Id);

        Assert.Equal(DeleteOutcome.Deleted, _runs.Delete(a.Id));

        Assert.Null(_baselines.Get(Alice));
        Assert.Empty(_runs.GetCollection<PinnedBaseline>("baselines").FindAll());
        // A later pin works as on a fresh start.
        _baselines.Pin(Alice, b.Id);
        Assert.Equal(b.Id, _baselines.Get(Alice)!.Id);
    }

    [Fact]
    public void DeltasAreSignedAsShownAndSayWhichWayIsBetter()
    {
        Assert.Equal(new Delta("+0.84 pp", 1), BaselineDelta.Accuracy(0.9189, 0.9105));
        Assert.Equal(new Delta("\u22120.0093", -1), BaselineDelta.Score(0.8790, 0.8883));
        // Less time is better.
        Assert.Equal(new Delta("\u221212.5 s", 1), BaselineDelta.Seconds(40, 52.5));
        Assert.Equal(new Delta("±0.00 pp", 0), BaselineDelta.Accuracy(0.91001, 0.91));
        Assert.Null(BaselineDelta.Accuracy(null, 0.9));
        Assert.Null(BaselineDelta.Score(0.9, null));
        Assert.Null(BaselineDelta.Score(double.NaN, 0.9));
    }
}
