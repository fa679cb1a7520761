using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Dashboard.Bench;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Execution;
using Dashboard.Training.Runtime;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Dashboard.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Scale;

/// <summary>
/// The workers' wire format (decision 0021): checkpoints, weights and the evaluation travel as binary parts of
/// multipart reports, and the claim's checkpoint as a binary download. The worker's own client and sink talk to a real
/// dashboard on loopback (InProcess mode, so no PostgreSQL: the runs are claimed straight through the API), with real
/// training on a small subset; damaged bodies and stale leases are sent by hand.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class WorkerWireTests
{
    private static readonly TrainingConfig Small = TrainingConfig.ReportControl with { Epochs = 2, BatchSize = 128, TrainSubset = 600, Threads = 1 };
    private const string Boundary = "wire-test";

    [Fact]
    public async Task StoredArtifactsAreTheBytesTheWorkerSentAndAResumeFetchesTheSameCheckpoint()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var client = Client(app);
        using var thread = new DedicatedTorchThread("wire test");
        var execution = new RunExecution(app.Services.GetRequiredService<DatasetProvider>(), thread);
        var id = app.Store.Create(Small, "over the wire").Id;

        // Epoch 1 with its checkpoint, then a user's cancel: the run ends Cancelled with epoch 1's weights and evaluation.
        var first = await client.ClaimAsync(id, "wire:1", CancellationToken.None) ?? throw new InvalidOperationException("The claim was refused.");
        Assert.Null(first.Checkpoint);
        var sent = new RecordingSink(new ApiRunSink(client, id, first.Lease, TimeSpan.FromMinutes(1), NullLogger.Instance), cancelAfterEpoch: true);
        await execution.ExecuteAsync(new RunTicket(id, Small, null), sent, sent.Cancel.Token, CancellationToken.None);
        await sent.Inner.FlushAsync();

        var cancelled = app.Store.Get(id)!;
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        var checkpoint = Assert.Single(sent.Checkpoints);
        Assert.Equal(checkpoint, app.Store.LoadCheckpoint(id));
        AssertStoredResult(app.Store, cancelled, sent.Result!);

        // Queued again and claimed: the claim names the checkpoint's digest, and the download is those very bytes.
        app.Store.Update(id, r => r with { Status = RunStatus.Queued, Lease = null, FinishedUtc = null });
        var second = await client.ClaimAsync(id, "wire:2", CancellationToken.None) ?? throw new InvalidOperationException("The second claim was refused.");
        Assert.Equal(ArtifactDigest.Of(checkpoint), second.Checkpoint);
        var fetched = await client.CheckpointAsync(id, second.Lease, second.Checkpoint!, CancellationToken.None);
        Assert.Equal(checkpoint, fetched);

        // Epoch 2 is the last: it comes with the end, with no checkpoint, and the completed run keeps none.
        var resumed = new RecordingSink(new ApiRunSink(client, id, second.Lease, TimeSpan.FromMinutes(1), NullLogger.Instance), cancelAfterEpoch: false);
        await execution.ExecuteAsync(new RunTicket(id, Small, fetched), resumed, CancellationToken.None, CancellationToken.None);
        await resumed.Inner.FlushAsync();

        var done = app.Store.Get(id)!;
        Assert.True(done.Status == RunStatus.Completed, $"{done.Status}: {done.StatusReason}");
        Assert.Empty(resumed.Checkpoints);
        Assert.Equal(2, resumed.FinalEpoch?.Epoch);
        // LiteDB keeps times to the millisecond: the epochs are compared without them.
        Assert.Equal([cancelled.Epochs[0] with { EndedUtc = null }, resumed.FinalEpoch! with { EndedUtc = null }], done.Epochs.Select(e => e with { EndedUtc = null }));
        Assert.False(app.Store.HasCheckpoint(id));
        AssertStoredResult(app.Store, done, resumed.Result!);
        Assert.Empty(app.Store.CheckArtifacts(done));
    }

    private static void AssertStoredResult(RunStore store, Run run, TrainingResult result)
    {
        Assert.Equal(result.Weights, store.LoadWeights(run.Id));
        var evaluation = store.LoadEvaluation(run.Id)!;
        Assert.Equal(EvaluationBytes.ToBytes(result.Evaluation!), EvaluationBytes.ToBytes(evaluation));
        // Derived by the dashboard from the evaluation's bytes; the same as the trainer's own.
        Assert.Equal(result.Confusion!.Counts, run.Confusion!.Counts);
        Assert.Equal(result.Report!.ToText(6), run.Report!.ToText(6));
        Assert.Equal(result.TrainingSeconds, run.TrainingSeconds);
    }

    [Fact]
    public async Task ADamagedShortOrCutBinaryBodyIsRefusedWith400AndNothingIsStored()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var client = Client(app);
        var id = app.Store.Create(Small, "damaged on the way").Id;
        var lease = (await client.ClaimAsync(id, "wire:1", CancellationToken.None))!.Lease;
        using var http = app.CreateHttpClient();
        var studies = app.Services.GetRequiredService<StudyStore>();
        var before = StoreFingerprint.Take(app.Store, studies);

        var bytes = new byte[1000];
        new Random(7).NextBytes(bytes);
        var digest = ArtifactDigest.Of(bytes);
        var damaged = bytes.ToArray();
        damaged[500] ^= 0xFF;
        var epoch = new EpochReport(lease, Metrics(1), digest);
        var refusals = new List<(string Case, string Body, string Expected)>
        {
            ("short", EpochBody(epoch, bytes[..500]), "has 500 bytes where 1,000 were declared"),
            ("long", EpochBody(epoch, [.. bytes, 1]), "more than the 1,000 bytes declared"),
            ("damaged", EpochBody(epoch, damaged), "SHA-256"),
            ("cut before its end", EpochBody(epoch, bytes)[..^30], "malformed"),
            ("no checkpoint part", Multipart(Part(WorkerProtocol.ReportPart, "application/json", Json(epoch))), "ends before its checkpoint part"),
        };
        // An evaluation that matches its digest but is no evaluation: its report cannot be derived, so the run is not ended.
        var weights = Encoding.ASCII.GetBytes("weights");
        var notEvaluation = Encoding.ASCII.GetBytes("not an evaluation");
        var ended = new EndedReport(lease, RunEnd.Completed, null, new EndedResult(1.0, Environment(), Metrics(1), ArtifactDigest.Of(weights), ArtifactDigest.Of(notEvaluation)));
        refusals.Add(("evaluation unreadable", Multipart(Part(WorkerProtocol.ReportPart, "application/json", Json(ended)),
            Part(WorkerProtocol.WeightsPart, "application/octet-stream", Latin1(weights)), Part(WorkerProtocol.EvaluationPart, "application/octet-stream", Latin1(notEvaluation))), "not a readable evaluation"));

        foreach (var (name, body, expected) in refusals)
        {
            var path = name.StartsWith("evaluation", StringComparison.Ordinal) ? "ended" : "epoch";
            using var response = await http.PostAsync($"api/workers/runs/{id}/{path}", Content(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(expected, text);
            Assert.Empty(StoreFingerprint.Differences(before, StoreFingerprint.Take(app.Store, studies)));
        }

        // The same report with its bytes whole is taken: the refusals were the body's, not the lease's.
        using var accepted = await http.PostAsync($"api/workers/runs/{id}/epoch", Content(EpochBody(epoch, bytes)));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(bytes, app.Store.LoadCheckpoint(id));
    }

    [Fact]
    public async Task ARunWhoseResultsTheDashboardRefusesEndsFailedWithTheReasonInsteadOfStayingRunning()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var client = Client(app);
        var id = app.Store.Create(Small, "refused results").Id;
        var lease = (await client.ClaimAsync(id, "wire:1", CancellationToken.None))!.Lease;
        await using var sink = new ApiRunSink(client, id, lease, TimeSpan.FromMinutes(1), NullLogger.Instance);
        sink.Started(null, []);
        // Label 12 is no class of Fashion-MNIST: the evaluation cannot be read, so the dashboard refuses the whole end.
        var evaluation = new EvaluationResult(0.5, 0.5, [12], [0], new float[FashionMnist.ClassCount]);
        var result = new TrainingResult(TrainingOutcome.Completed, null, [Metrics(1)], null, null, 1.0, Environment(), [1, 2, 3], evaluation);
        sink.Ended(RunEnd.Completed, null, result, Metrics(1));
        await sink.FlushAsync();

        var run = app.Store.Get(id)!;
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("refused this run's results", run.StatusReason);
        Assert.Contains("label 12", run.StatusReason);
        Assert.False(run.HasWeights);
        Assert.Null(app.Store.LoadWeights(id));
    }

    [Fact]
    public async Task AStaleLeaseIsRefusedBeforeTheCheckpointsBytesAreRead()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var client = Client(app);
        var id = app.Store.Create(Small, "taken over").Id;
        await client.ClaimAsync(id, "wire:1", CancellationToken.None);
        var studies = app.Services.GetRequiredService<StudyStore>();
        var before = StoreFingerprint.Take(app.Store, studies);

        // A 64 MB checkpoint is declared and its first kilobyte sent; the rest never is. The answer can only come
        // from a dashboard that checked the lease before reading the part.
        const long declared = 64L * 1024 * 1024;
        var report = Part(WorkerProtocol.ReportPart, "application/json", Json(new EpochReport(Guid.NewGuid(), Metrics(1), new ArtifactDigest(declared, new string('0', 64)))));
        var partHead = $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{WorkerProtocol.CheckpointPart}\"\r\nContent-Type: application/octet-stream\r\n\r\n";
        var contentLength = Encoding.UTF8.GetByteCount(report) + Encoding.UTF8.GetByteCount(partHead) + declared + $"\r\n--{Boundary}--\r\n".Length;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/workers/runs/{id}/epoch HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nContent-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head + report + partHead));
        await stream.WriteAsync(new byte[1024]);

        var answer = await ReadResponseHeadAsync(stream, TimeSpan.FromSeconds(60));
        Assert.StartsWith("HTTP/1.1 409", answer);
        Assert.Contains("no longer this worker", answer);
        Assert.Empty(StoreFingerprint.Differences(before, StoreFingerprint.Take(app.Store, studies)));
    }

    /// <summary>What arrived before the connection went quiet: the status line, headers and as much body as came.</summary>
    private static async Task<string> ReadResponseHeadAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (!received.ToString().Contains("no longer this worker", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, deadline.Token);
                if (read == 0) break;
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No answer within {timeout.TotalSeconds:0} s while 64 MB of the body were still unsent; received so far: \"{received}\".");
        }
        return received.ToString();
    }

    private static DashboardClient Client(DashboardApp app) =>
        new(new HttpClient(), Options.Create(new WorkerOptions { DashboardUrl = app.BaseAddress }));

    private static EpochMetrics Metrics(int epoch) => new(epoch, 1.0, 1.0, 0.5, 1.0, 10.0);

    private static RunEnvironment Environment() => new("0", "0", "cpu", 1, "linux", "cpu", 1, "10");

    private static string Json(object report) => JsonSerializer.Serialize(report, report.GetType(), DashboardClient.Json);

    // Bytes 0..255 as the characters of the same code: the body is sent as Latin-1, so every byte goes as it is.
    private static string Latin1(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    private static string Part(string name, string contentType, string content) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {contentType}\r\n\r\n{content}\r\n";

    private static string Multipart(params string[] parts) => string.Concat(parts) + $"--{Boundary}--\r\n";

    private static string EpochBody(EpochReport report, byte[] checkpoint) =>
        Multipart(Part(WorkerProtocol.ReportPart, "application/json", Json(report)), Part(WorkerProtocol.CheckpointPart, "application/octet-stream", Latin1(checkpoint)));

    private static ByteArrayContent Content(string body)
    {
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        return content;
    }

    /// <summary>Passes every step to the worker's sink, keeping what it was given; can cancel the run after its first epoch.</summary>
    private sealed class RecordingSink(ApiRunSink inner, bool cancelAfterEpoch) : IRunSink
    {
        public ApiRunSink Inner => inner;
        public CancellationTokenSource Cancel { get; } = new();
        public List<byte[]> Checkpoints { get; } = [];
        public TrainingResult? Result { get; private set; }
        public EpochMetrics? FinalEpoch { get; private set; }

        public void Started(int? resumedAfterEpoch, IReadOnlyList<EpochMetrics> history) => inner.Started(resumedAfterEpoch, history);

        public void Batch(BatchProgress progress) => inner.Batch(progress);

        public void Epoch(EpochMetrics metrics, byte[] checkpoint)
        {
            Checkpoints.Add(checkpoint);
            inner.Epoch(metrics, checkpoint);
            if (cancelAfterEpoch) Cancel.Cancel();
        }

        public void Ended(RunEnd end, string? reason, TrainingResult? result, EpochMetrics? finalEpoch)
        {
            (Result, FinalEpoch) = (result, finalEpoch);
            inner.Ended(end, reason, result, finalEpoch);
        }
    }
}
