using System.Net;
using Bunit;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Tests.Web;
using Dashboard.Web.Components.Pages.RunView;
using Dashboard.Web.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Storage;

/// <summary>Artifacts are checked against the length and SHA-256 stored with them; damage is reported, never served.</summary>
public sealed class ArtifactIntegrityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DatabasePath => _dir.File("dashboard.db");

    private RunStore Open() => new(Options.Create(new StorageOptions { DatabasePath = DatabasePath }), NullLogger<RunStore>.Instance);

    public void Dispose() => _dir.Dispose();

    /// <summary>600 KB: three LiteDB chunks of at most 255 KB.</summary>
    private static byte[] Bytes(int seed)
    {
        var bytes = new byte[600_000];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private Guid CompletedRunWithWeights(byte[] weights)
    {
        using var store = Open();
        var id = store.Create(TrainingConfig.ReportControl, "with weights").Id;
        store.CompleteRun(id, new RunCompletion(RunStatus.Completed, null) { Weights = weights });
        return id;
    }

    /// <summary>Changes the stored bytes of chunk <paramref name="n"/> of <paramref name="fileId"/> behind the store's back.</summary>
    private void Tamper(string fileId, int n, Func<byte[], byte[]> change)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = DatabasePath, Connection = ConnectionType.Direct });
        var chunks = db.GetCollection("_chunks");
        var chunk = chunks.FindById(new BsonDocument { ["f"] = fileId, ["n"] = n }) ?? throw new InvalidOperationException($"no chunk {n} of {fileId}");
        chunk["data"] = change(chunk["data"].AsBinary);
        Assert.True(chunks.Update(chunk));
    }

    [Fact]
    public void ArtifactsRoundTripWithTheirChecksumAndAnEpochIsStoredWithItsCheckpoint()
    {
        var weights = Bytes(1);
        var id = CompletedRunWithWeights(weights);
        using var store = Open();
        Assert.Equal(weights, store.LoadWeights(id));
        Assert.Empty(store.CheckArtifacts(store.Get(id)!));

        var metrics = new EpochMetrics(1, 0.5, 0.4, 0.8, 10, 100);
        store.SaveEpoch(id, metrics, Bytes(2));
        Assert.Equal([1], store.Get(id)!.Epochs.Select(e => e.Epoch));
        Assert.Equal(Bytes(2), store.LoadCheckpoint(id));
    }

    [Fact]
    public void AChunkWithChangedBytesIsReportedAsDamagedAndItsWeightsAreNotServed()
    {
        var id = CompletedRunWithWeights(Bytes(3));
        Tamper("weights/" + id.ToString("N"), 1, data =>
        {
            data[1000] ^= 0xFF;
            return data;
        });

        using var store = Open();
        var e = Assert.Throws<ArtifactDamagedException>(() => store.LoadWeights(id));
        Assert.Equal((id, ArtifactKind.Weights), (e.Problem.RunId, e.Problem.Kind));
        Assert.Contains("SHA-256", e.Message);
        var problem = Assert.Single(store.CheckArtifacts(store.Get(id)!));
        Assert.Contains("failed verification", problem.Describe());
    }

    [Fact]
    public void AShortenedChunkIsReportedWithItsLength()
    {
        var id = CompletedRunWithWeights(Bytes(4));
        Tamper("weights/" + id.ToString("N"), 2, data => data[..^10]);

        using var store = Open();
        var e = Assert.Throws<ArtifactDamagedException>(() => store.LoadWeights(id));
        Assert.Contains("599990 bytes where 600000 were written", e.Message);
    }

    [Fact]
    public async Task TheWeightsDownloadOfADamagedRunIsAConflictNamingTheFault()
    {
        var id = CompletedRunWithWeights(Bytes(5));
        Tamper("weights/" + id.ToString("N"), 0, data =>
        {
            data[0] ^= 1;
            return data;
        });

        using var app = new DashboardApp(_dir.Path);
        using var http = app.CreateHttpClient();
        var response = await http.GetAsync($"api/runs/{id}/weights");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains($"weights of run {id} failed verification", detail);
        Assert.Contains("SHA-256", detail);
        Assert.True(response.Content.Headers.ContentType?.MediaType is "application/json" or "application/problem+json");
    }

    [Fact]
    public async Task TheRunPageShowsADamagedArtifact()
    {
        var id = CompletedRunWithWeights(Bytes(10));
        Tamper("weights/" + id.ToString("N"), 2, data =>
        {
            data[^1] ^= 0x10;
            return data;
        });

        await using var ctx = new BunitContext().AddDashboardServices(_dir.Path);
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, id));

        var alert = page.Find("[data-testid=run-artifact-damaged]").TextContent;
        Assert.Contains($"weights of run {id} failed verification", alert);
        Assert.Contains("SHA-256", alert);
    }

    [Fact]
    public void OrphansAreRemovedAtStartAndLaterWritesOfThatRunSucceed()
    {
        Guid kept, ghost;
        var weights = Bytes(6);
        kept = CompletedRunWithWeights(weights);
        ghost = Guid.NewGuid();
        using (var db = new LiteDatabase(new ConnectionString { Filename = DatabasePath, Connection = ConnectionType.Direct }))
        {
            var chunks = db.GetCollection("_chunks");
            // An upload cut off before its file entry was written (the old, untransacted writes): it used to make every
            // later checkpoint of the run fail on a duplicate chunk id.
            var orphan = "checkpoints/" + kept.ToString("N");
            chunks.Insert(new BsonDocument { ["_id"] = new BsonDocument { ["f"] = orphan, ["n"] = 0 }, ["data"] = new byte[100] });
            chunks.Insert(new BsonDocument { ["_id"] = new BsonDocument { ["f"] = orphan, ["n"] = 1 }, ["data"] = new byte[100] });
            // A file of a run that no longer exists.
            using (var stream = new MemoryStream(Bytes(7))) db.FileStorage.Upload("weights/" + ghost.ToString("N"), "ghost.tsm", stream);
            // A half-written replacement: its entry counts 3 chunks, only 2 remain.
            using (var stream = new MemoryStream(Bytes(8))) db.FileStorage.Upload("evaluations/" + kept.ToString("N"), "half.eval", stream);
            Assert.True(chunks.Delete(new BsonDocument { ["f"] = "evaluations/" + kept.ToString("N"), ["n"] = 2 }));
        }

        var log = new ListLogger();
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = DatabasePath }), log);
        // Read through the store's own connection: a second one to the same file would lose writes.
        Assert.Equal(["weights/" + kept.ToString("N")], store.GetCollection<BsonDocument>("_files").FindAll().Select(f => f["_id"].AsString));
        Assert.Equal(3, store.GetCollection<BsonDocument>("_chunks").Count());
        Assert.Contains(log.Messages, m => m.Contains("2 chunk(s) of checkpoints/" + kept.ToString("N") + " without a file entry"));
        Assert.Contains(log.Messages, m => m.Contains("weights/" + ghost.ToString("N") + ": its run no longer exists"));
        Assert.Contains(log.Messages, m => m.Contains("evaluations/" + kept.ToString("N") + ": half-written (2 of its 3 chunks)"));
        Assert.Equal(weights, store.LoadWeights(kept));
        store.SaveCheckpoint(kept, [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, store.LoadCheckpoint(kept));
    }

    [Fact]
    public void CompletingARunStoresResultsAndArtifactsTogetherAndDropsTheCheckpointUnlessResumable()
    {
        var evaluation = new EvaluationResult(0.25, 0.5, [0, 1], [0, 0], [0.9f, 0.1f, 0.6f, 0.4f]);
        using var store = Open();
        var cancelled = store.Create(TrainingConfig.ReportControl, "cancelled").Id;
        var completed = store.Create(TrainingConfig.ReportControl, "completed").Id;
        foreach (var id in new[] { cancelled, completed })
        {
            store.Update(id, r => r with { Status = RunStatus.Running });
            store.SaveEpoch(id, new EpochMetrics(1, 0.5, 0.4, 0.8, 10, 100), [9, 9]);
        }

        store.CompleteRun(cancelled, new RunCompletion(RunStatus.Cancelled, "by a user") { Weights = [1], Evaluation = EvaluationBytes.ToBytes(evaluation) });
        store.CompleteRun(completed, new RunCompletion(RunStatus.Completed, null) { Weights = [2], Evaluation = EvaluationBytes.ToBytes(evaluation) });

        Assert.True(store.HasCheckpoint(cancelled));
        Assert.False(store.HasCheckpoint(completed));
        Assert.Equal((RunStatus.Completed, true), (store.Get(completed)!.Status, store.Get(completed)!.HasWeights));
        Assert.Equal(new byte[] { 2 }, store.LoadWeights(completed));
        Assert.Equal(evaluation.Probabilities, store.LoadEvaluation(completed)!.Probabilities);
        // Resumed and then cancelled before any epoch: no weights any more, and none left behind.
        store.CompleteRun(cancelled, new RunCompletion(RunStatus.Cancelled, "again"));
        Assert.False(store.Get(cancelled)!.HasWeights);
        Assert.Null(store.LoadWeights(cancelled));
        Assert.Null(store.LoadEvaluation(cancelled));
    }

    [Fact]
    public void AfterACrashWithATornPageAtTheEndOfTheLogCommittedWritesAreKept()
    {
        var weights = Bytes(9);
        var crashed = Open(); // never disposed: the process "dies" with its writes in LiteDB's log
        var id = crashed.Create(TrainingConfig.ReportControl, "committed before the crash").Id;
        crashed.CompleteRun(id, new RunCompletion(RunStatus.Completed, null) { Weights = weights });
        using var copy = new TempDirectory();
        foreach (var name in new[] { "dashboard.db", "dashboard-log.db" }) File.Copy(_dir.File(name), copy.File(name));
        // Half of a page: a write cut off by a full disk.
        using (var log = new FileStream(copy.File("dashboard-log.db"), FileMode.Append)) log.Write(new byte[4096]);

        using (var reopened = new RunStore(Options.Create(new StorageOptions { DatabasePath = copy.File("dashboard.db") }), NullLogger<RunStore>.Instance))
        {
            Assert.Equal(RunStatus.Completed, reopened.Get(id)!.Status);
            Assert.Equal(weights, reopened.LoadWeights(id));
        }
        crashed.Dispose();
    }

    /// <summary>Keeps what the store logs, to check that removals are told.</summary>
    private sealed class ListLogger : ILogger<RunStore>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
