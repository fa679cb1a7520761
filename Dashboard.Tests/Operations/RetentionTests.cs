using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Tests.Operations;

/// <summary>Retention on a real LiteDB file, with the clock under the test's control.</summary>
public sealed class RetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly FakeTimeProvider _time = new(Now);

    public RetentionTests() =>
        _store = new RunStore(Options.Create(new StorageOptions { DatabasePath = _dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);

    [Fact]
    public void APassRemovesOnlyOldCheckpointsOfCancelledAndInterruptedRunsAndKeepsTheirResults()
    {
        var oldCancelled = Seed("old cancelled", RunStatus.Cancelled, daysAgo: 31, checkpointBytes: 3000);
        var oldInterrupted = Seed("old interrupted", RunStatus.Interrupted, daysAgo: 400, checkpointBytes: 5000);
        var recentCancelled = Seed("recent cancelled", RunStatus.Cancelled, daysAgo: 29, checkpointBytes: 700);
        // Completed runs have no checkpoint in practice; if one had, it is not retention's to remove.
        var oldCompleted = Seed("old completed", RunStatus.Completed, daysAgo: 100, checkpointBytes: 900);

        var pass = Retention(new RetentionOptions { CheckpointMaxAgeDays = 30 }).Apply();

        Assert.Equal(Now, pass.AtUtc);
        Assert.Equal(new[] { oldCancelled, oldInterrupted }.Order(), pass.Removed.Select(r => r.RunId).Order());
        Assert.Equal(8000, pass.BytesRemoved);
        Assert.False(_store.HasCheckpoint(oldCancelled));
        Assert.False(_store.HasCheckpoint(oldInterrupted));
        Assert.True(_store.HasCheckpoint(recentCancelled));
        Assert.True(_store.HasCheckpoint(oldCompleted));
        var run = _store.Get(oldCancelled)!;
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Single(run.Epochs);
        Assert.NotNull(_store.LoadWeights(oldCancelled));
        Assert.StartsWith("Cancelled by a test. Its checkpoint was removed on 2026-06-01", run.StatusReason);
        Assert.Contains("Retention:CheckpointMaxAgeDays = 30", run.StatusReason);
    }

    [Fact]
    public void ZeroDaysKeepsCheckpointsForever()
    {
        var ancient = Seed("ancient", RunStatus.Interrupted, daysAgo: 3000, checkpointBytes: 100);

        var pass = Retention(new RetentionOptions { CheckpointMaxAgeDays = 0 }).Apply();

        Assert.Empty(pass.Removed);
        Assert.True(_store.HasCheckpoint(ancient));
    }

    [Fact]
    public async Task TheServicePassesAtStartAndAgainAfterEachInterval()
    {
        var service = Retention(new RetentionOptions { CheckpointMaxAgeDays = 30, Interval = TimeSpan.FromHours(6) });
        var ageing = Seed("ageing", RunStatus.Cancelled, daysAgo: 29.9, checkpointBytes: 1234);
        await service.StartAsync(CancellationToken.None);
        try
        {
            var first = await WaitForPassAsync(service, p => true);
            Assert.Empty(first.Removed);
            Assert.True(_store.HasCheckpoint(ageing));

            // 0.1 day later the run is 30 days old, but the next pass is only due after the interval.
            _time.Advance(TimeSpan.FromHours(5));
            await Task.Delay(300);
            Assert.Same(first, service.LastPass);
            _time.Advance(TimeSpan.FromHours(1));
            var second = await WaitForPassAsync(service, p => p != first);

            Assert.Equal(Now + TimeSpan.FromHours(6), second.AtUtc);
            Assert.Equal(ageing, Assert.Single(second.Removed).RunId);
            Assert.Equal(1234, second.BytesRemoved);
            Assert.False(_store.HasCheckpoint(ageing));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private RetentionService Retention(RetentionOptions options) =>
        new(_store, Options.Create(options), _time, NullLogger<RetentionService>.Instance);

    private Guid Seed(string name, RunStatus status, double daysAgo, int checkpointBytes)
    {
        var finished = Now.UtcDateTime.AddDays(-daysAgo);
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = name,
            Status = status,
            StatusReason = "Cancelled by a test.",
            CreatedUtc = finished.AddHours(-1),
            FinishedUtc = finished,
            Epochs = [new EpochMetrics(1, 0.6, 0.5, 0.8, 10, 100)],
        };
        _store.InsertMany([run]);
        _store.SaveWeights(run.Id, [1, 2, 3]);
        _store.SaveCheckpoint(run.Id, new byte[checkpointBytes]);
        return run.Id;
    }

    private static async Task<RetentionPass> WaitForPassAsync(RetentionService service, Func<RetentionPass, bool> matches)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (service.LastPass is { } pass && matches(pass)) return pass;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No matching retention pass within 20 s; the last was {service.LastPass?.AtUtc.ToString() ?? "none"}.");
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }
}
