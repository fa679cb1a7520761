using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Execution;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Workers;
using Dashboard.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Scale;

/// <summary>A halving study's epoch limit reaches a training worker with its claim, and a worker's pause is stored as the dashboard's own.</summary>
public sealed class PauseOverWorkersTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly RunNotifier _notifier = new(NullLogger<RunNotifier>.Instance);
    private readonly RemoteRuns _remote;

    public PauseOverWorkersTests()
    {
        _store = new RunStore(Options.Create(new StorageOptions { DatabasePath = _dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);
        _remote = new RemoteRuns(_store, _notifier, new WorkerRegistry(TimeProvider.System), NullLogger<RemoteRuns>.Instance);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void TheClaimCarriesTheEpochToPauseAfterAcrossTheWire()
    {
        var run = _store.Create(TrainingConfig.ReportControl with { Epochs = 9 }, "trial", pauseAfterEpoch: 3);

        var (claim, refusal) = _remote.Claim(run.Id, "worker-a:1");
        Assert.Null(refusal);
        Assert.Equal(3, claim!.PauseAfterEpoch);

        // As the dashboard writes it (web defaults, enums as strings) and the worker reads it.
        var wire = JsonSerializer.Serialize(claim, new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } });
        Assert.Contains("\"pauseAfterEpoch\":3", wire);
        var received = JsonSerializer.Deserialize<ClaimReply>(wire, DashboardClient.Json)!;
        Assert.Equal(3, received.PauseAfterEpoch);
        Assert.Equal(9, received.Config.Epochs);

        // A run that trains to its end says so with no limit.
        var plain = _store.Create(TrainingConfig.ReportControl, "plain");
        Assert.Null(_remote.Claim(plain.Id, "worker-a:1").Claim!.PauseAfterEpoch);
    }

    [Fact]
    public void AWorkersPauseIsStoredPausedWithItsResultsAndItsCheckpointKept()
    {
        var run = _store.Create(TrainingConfig.ReportControl with { Epochs = 9 }, "trial", pauseAfterEpoch: 1);
        var lease = _remote.Claim(run.Id, "worker-a:1").Claim!.Lease;
        var sink = _remote.Check(run.Id, lease).Claimed?.Sink;
        var metrics = new EpochMetrics(1, 0.9, 0.8, 0.7, 1.5, 1000);
        sink!.Started(null, []);
        sink.Epoch(metrics, [1, 2, 3]);
        RunFinished? finished = null;
        using var _ = _notifier.Subscribe(e => finished = e as RunFinished ?? finished);

        sink.Ended(RunEnd.Paused, "Paused after epoch 1 of 9, the epoch limit of this session; its checkpoint continues it.",
            new TrainingResult(TrainingOutcome.Paused, null, [metrics], null, null, 1.5, new RunEnvironment("t", "l", "cpu", 1, "os", "cpu", 2, "net"), [9, 9]), null);

        var stored = _store.Get(run.Id)!;
        Assert.Equal(RunStatus.Paused, stored.Status);
        Assert.True(stored.HasWeights);
        Assert.Equal([1, 2, 3], _store.LoadCheckpoint(run.Id));
        Assert.Equal(RunStatus.Paused, finished!.Status);
        // Paused is the end of the worker's session: its later reports are refused, as for any ended run.
        Assert.Null(_remote.Check(run.Id, lease).Claimed);
    }
}
