using System.Security.Cryptography;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using LiteDB;

namespace Dashboard.Web.Storage;

// A run's files in LiteDB file storage ("_files" entries, "_chunks" of 255 KB), each written in the same transaction
// as the run document that refers to it, with its length and SHA-256 in the entry's metadata, checked on every read.
public sealed partial class RunStore
{
    private const string FilesCollection = "_files";
    private const string ChunksCollection = "_chunks";

    public void SaveWeights(Guid id, byte[] weights) => Write(() => PutArtifact(ArtifactKind.Weights, id, weights));

    /// <summary>The run's final weights, or null if none are stored.</summary>
    /// <exception cref="ArtifactDamagedException">They are stored but fail verification.</exception>
    public byte[]? LoadWeights(Guid id) => ReadArtifact(ArtifactKind.Weights, id);

    /// <summary>Replaces the run's checkpoint (the state after its latest finished epoch, to resume from).</summary>
    public void SaveCheckpoint(Guid id, byte[] checkpoint) => Write(() => PutArtifact(ArtifactKind.Checkpoint, id, checkpoint));

    /// <exception cref="ArtifactDamagedException">It is stored but fails verification.</exception>
    public byte[]? LoadCheckpoint(Guid id) => ReadArtifact(ArtifactKind.Checkpoint, id);

    public bool HasCheckpoint(Guid id) => _db.FileStorage.Exists(FileId(ArtifactKind.Checkpoint, id));

    /// <summary>Drops the checkpoint of a run that can no longer be resumed (completed or diverged).</summary>
    public void DeleteCheckpoint(Guid id) => Write(() => DeleteArtifact(ArtifactKind.Checkpoint, id));

    /// <summary>Keeps the final model's test-set predictions (for the error gallery and ensembles).</summary>
    public void SaveEvaluation(Guid id, EvaluationResult evaluation) => Write(() => PutArtifact(ArtifactKind.Evaluation, id, EvaluationBytes.ToBytes(evaluation)));

    /// <summary>The stored test-set predictions, or null if none were kept (older runs) or they are damaged or unreadable.</summary>
    public EvaluationResult? LoadEvaluation(Guid id)
    {
        try
        {
            return ReadArtifact(ArtifactKind.Evaluation, id) is { } bytes ? EvaluationBytes.FromBytes(bytes) : null;
        }
        catch (Exception e) when (e is InvalidDataException or ArtifactDamagedException)
        {
            _logger.LogWarning(e, "Stored evaluation of run {RunId} is unreadable; it will be computed again", id);
            return null;
        }
    }

    /// <summary>
    /// One finished epoch: its metrics and the checkpoint to resume from after it, in one transaction, so that a
    /// run's stored epochs always end where its checkpoint does. Null (and nothing stored) if the run is gone.
    /// </summary>
    /// <exception cref="DiskFullException">Nothing of the epoch was stored; the previous epoch and checkpoint stand.</exception>
    public Run? SaveEpoch(Guid id, EpochMetrics metrics, byte[] checkpoint) => Write(() =>
    {
        var run = UpdateInTransaction(id, r => r with { Epochs = [.. r.Epochs.Where(e => e.Epoch != metrics.Epoch), metrics] });
        if (run is not null) PutArtifact(ArtifactKind.Checkpoint, id, checkpoint);
        return run;
    });

    /// <summary>
    /// Ends a run in one transaction: its results, weights and evaluation, its last epoch if that came with the end,
    /// its status, and its checkpoint (kept only when the run can be resumed, that is Cancelled or Interrupted). After a crash at any instant the run is either
    /// ended with all of these or still as it was before, with its epochs and checkpoint. Null if the run is gone.
    /// </summary>
    /// <exception cref="DiskFullException">Nothing was stored; the run is as it was before.</exception>
    public Run? CompleteRun(Guid id, RunCompletion end) => Write(() =>
    {
        if (_runs.FindById(id) is null) return null;
        // Artifacts follow the results: a run that ended without weights keeps none from an earlier session.
        SetArtifact(ArtifactKind.Weights, id, end.Weights);
        SetArtifact(ArtifactKind.Evaluation, id, end.Evaluation);
        if (!end.Resumable) DeleteArtifact(ArtifactKind.Checkpoint, id);
        return UpdateInTransaction(id, r => r with
        {
            Status = end.Status,
            StatusReason = end.Reason,
            Epochs = end.FinalEpoch is { } last ? [.. r.Epochs.Where(e => e.Epoch != last.Epoch), last] : r.Epochs,
            FinishedUtc = DateTime.UtcNow,
            Report = end.Report,
            Confusion = end.Confusion,
            TrainingSeconds = end.TrainingSeconds,
            Environment = end.Environment ?? r.Environment,
            HasWeights = end.Weights is not null,
            Accuracy = end.Report?.Accuracy,
            MacroF1 = end.Report?.MacroAverage.F1,
        });
    });

    /// <summary>
    /// The rule for a run whose write found the disk full: it becomes Interrupted, resumable once space is freed,
    /// with its finished epochs and last good checkpoint (the failed write was rolled back). The reserve file is
    /// given up to make room for this one write. A run that meanwhile finished (its end was committed before the
    /// failure was seen) is left alone. Null if the run is gone.
    /// </summary>
    public Run? InterruptForDiskFull(Guid id, Exception cause) => Write(() =>
    {
        ReleaseReserve();
        return UpdateInTransaction(id, r => r.IsFinished ? r : r with
        {
            Status = RunStatus.Interrupted,
            StatusReason = $"Stopped: disk full. {r.Epochs.Count} finished epoch(s) and the checkpoint after the last one are kept; " +
                           $"free space on the disk of {DatabasePath}, then resume. ({cause.Message})",
            FinishedUtc = DateTime.UtcNow,
        });
    }, holdReserve: false);

    /// <summary>
    /// Reads every artifact of <paramref name="run"/> and reports those that fail verification, and final weights
    /// that the run says it has but that are gone (removed at start-up as half-written). Empty when all is well.
    /// </summary>
    public IReadOnlyList<ArtifactProblem> CheckArtifacts(Run run)
    {
        var problems = new List<ArtifactProblem>();
        foreach (var kind in Enum.GetValues<ArtifactKind>())
        {
            try
            {
                if (ReadArtifact(kind, run.Id) is null && kind == ArtifactKind.Weights && run.HasWeights)
                    problems.Add(new ArtifactProblem(run.Id, kind, "they are missing (a half-written file is removed at start-up)."));
            }
            catch (ArtifactDamagedException e)
            {
                problems.Add(e.Problem);
            }
        }
        return problems;
    }

    /// <summary>The file-storage id of a run's artifact: a folder-like prefix per kind, then the run id.</summary>
    internal static string FileId(ArtifactKind kind, Guid id) => FilePrefix(kind) + id.ToString("N");

    /// <summary>The kind whose files have this id's prefix, or null for a file that is no artifact.</summary>
    internal static ArtifactKind? KindOfFile(string fileId) =>
        Enum.GetValues<ArtifactKind>().Cast<ArtifactKind?>().FirstOrDefault(k => fileId.StartsWith(FilePrefix(k!.Value), StringComparison.Ordinal));

    private static string FilePrefix(ArtifactKind kind) => kind switch
    {
        ArtifactKind.Weights => "weights/",
        ArtifactKind.Checkpoint => "checkpoints/",
        _ => "evaluations/",
    };

    private static string FileName(ArtifactKind kind, Guid id) => id.ToString("N") + kind switch
    {
        ArtifactKind.Weights => ".tsm",
        ArtifactKind.Checkpoint => ".ckpt",
        _ => ".eval",
    };

    private static BsonExpression ChunksOf(BsonValue fileId) =>
        BsonExpression.Create("_id BETWEEN { f: @0, n: 0 } AND { f: @0, n: @1 }", fileId, int.MaxValue);

    private void SetArtifact(ArtifactKind kind, Guid id, byte[]? bytes)
    {
        if (bytes is null) DeleteArtifact(kind, id);
        else PutArtifact(kind, id, bytes);
    }

    /// <summary>Replaces the artifact; call inside <see cref="Write{T}"/>.</summary>
    private void PutArtifact(ArtifactKind kind, Guid id, byte[] bytes)
    {
        // Deleted first, chunks included: LiteDB's own overwrite fails for good on a file whose chunks do not
        // add up (an ENSURE on the chunk count), and on chunks left without a file (duplicate _id).
        DeleteArtifact(kind, id);
        var metadata = new BsonDocument
        {
            ["length"] = bytes.LongLength,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)),
        };
        using var stream = new MemoryStream(bytes, writable: false);
        _db.FileStorage.Upload(FileId(kind, id), FileName(kind, id), stream, metadata);
    }

    private void DeleteArtifact(ArtifactKind kind, Guid id)
    {
        var fileId = FileId(kind, id);
        _db.GetCollection(FilesCollection).Delete(fileId);
        _db.GetCollection(ChunksCollection).DeleteMany(ChunksOf(fileId));
    }

    /// <summary>The artifact's bytes after checking them against its entry; null if there is no entry.</summary>
    /// <exception cref="ArtifactDamagedException">Missing chunks, a wrong length or a wrong SHA-256.</exception>
    private byte[]? ReadArtifact(ArtifactKind kind, Guid id)
    {
        var fileId = FileId(kind, id);
        BsonDocument? file;
        List<BsonDocument> chunks;
        // Under the write lock: the entry and its chunks are read from one committed state.
        lock (_writeLock)
        {
            file = _db.GetCollection(FilesCollection).FindById(fileId);
            if (file is null) return null;
            chunks = _db.GetCollection(ChunksCollection).Find(ChunksOf(fileId)).ToList();
        }
        var (bytes, fault) = Verify(file, chunks);
        if (fault is not null) throw new ArtifactDamagedException(new ArtifactProblem(id, kind, fault));
        return bytes;
    }

    private static (byte[] Bytes, string? Fault) Verify(BsonDocument file, List<BsonDocument> chunks)
    {
        var chunkCount = ToLong(file["chunks"]);
        var length = ToLong(file["length"]);
        var byIndex = chunks.ToDictionary(c => ToLong(c["_id"]["n"]), c => c["data"]);
        using var buffer = new MemoryStream();
        for (var n = 0L; n < chunkCount; n++)
        {
            if (!byIndex.TryGetValue(n, out var data) || !data.IsBinary)
                return ([], $"chunk {n + 1} of {chunkCount} is missing.");
            buffer.Write(data.AsBinary);
        }
        if (byIndex.Count != chunkCount) return ([], $"it has {byIndex.Count} chunks where {chunkCount} were written.");
        var bytes = buffer.ToArray();
        if (bytes.LongLength != length) return ([], $"its chunks hold {bytes.LongLength} bytes where {length} were written.");
        // Files stored before checksums were kept (no metadata) are checked for their length only.
        var metadata = file["metadata"].IsDocument ? file["metadata"].AsDocument : new BsonDocument();
        if (metadata["length"].IsNumber && ToLong(metadata["length"]) != bytes.LongLength)
            return ([], $"it holds {bytes.LongLength} bytes where {ToLong(metadata["length"])} were written.");
        if (metadata["sha256"].IsString)
        {
            var expected = metadata["sha256"].AsString;
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (actual != expected) return ([], $"its SHA-256 is {actual[..16]}… where {expected[..Math.Min(16, expected.Length)]}… was written.");
        }
        return (bytes, null);
    }

    private static long ToLong(BsonValue value) => value.IsNumber ? Convert.ToInt64(value.RawValue, System.Globalization.CultureInfo.InvariantCulture) : -1;

    /// <summary>
    /// At start-up: removes chunks without a file entry, files of runs that no longer exist, and files whose chunks
    /// do not add up (half-written before writes were transactions), and logs each. Reads the chunks' index only.
    /// </summary>
    private void RemoveOrphans()
    {
        try
        {
            foreach (var artifact in FindAndRemoveOrphans()) _logger.LogWarning("Removed at start-up: {Artifact}", artifact);
        }
        catch (DiskFullException e)
        {
            // Not a reason to refuse to start: they are removed at a start with room.
            _logger.LogWarning(e, "Orphaned artifacts could not be removed: {Message}", e.Message);
        }
    }

    private List<string> FindAndRemoveOrphans() => Write(() =>
    {
        var files = _db.GetCollection(FilesCollection);
        var chunks = _db.GetCollection(ChunksCollection);
        var chunkCounts = chunks.Query().Select("$._id").ToEnumerable()
            .Select(key => key.ContainsKey("f") ? key["f"] : key["_id"]["f"]) // LiteDB returns a selected document as is
            .GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count());
        var found = new List<string>();
        foreach (var file in files.FindAll().ToList())
        {
            var fileId = file["_id"];
            var reason = OrphanReason(fileId, ToLong(file["chunks"]), chunkCounts.GetValueOrDefault(fileId));
            chunkCounts.Remove(fileId);
            if (reason is null) continue;
            files.Delete(fileId);
            chunks.DeleteMany(ChunksOf(fileId));
            found.Add($"{fileId.AsString}: {reason}");
        }
        foreach (var (fileId, count) in chunkCounts)
        {
            chunks.DeleteMany(ChunksOf(fileId));
            found.Add($"{count} chunk(s) of {(fileId.IsString ? fileId.AsString : fileId.ToString())} without a file entry");
        }
        return found;
    });

    private string? OrphanReason(BsonValue fileId, long chunksWritten, int chunksFound)
    {
        if (!fileId.IsString) return null;
        var slash = fileId.AsString.IndexOf('/');
        if (slash < 0 || !Guid.TryParseExact(fileId.AsString[(slash + 1)..], "N", out var runId)) return null; // not a run's file
        if (_runs.FindById(runId) is null) return "its run no longer exists";
        return chunksFound != chunksWritten ? $"half-written ({chunksFound} of its {chunksWritten} chunks)" : null;
    }
}

/// <summary>How a run ends; stored by <see cref="RunStore.CompleteRun"/> in one transaction.</summary>
public sealed record RunCompletion(RunStatus Status, string? Reason)
{
    public ClassificationReport? Report { get; init; }
    public ConfusionMatrix? Confusion { get; init; }
    public double? TrainingSeconds { get; init; }
    public RunEnvironment? Environment { get; init; }
    public byte[]? Weights { get; init; }
    /// <summary>The test-set evaluation in its one serialised form (<see cref="EvaluationBytes"/>), stored as it is.</summary>
    public byte[]? Evaluation { get; init; }
    /// <summary>The run's last epoch when it came with the end rather than with a checkpoint (<see cref="Dashboard.Training.Execution.IRunSink.Ended"/>).</summary>
    public EpochMetrics? FinalEpoch { get; init; }

    /// <summary>Cancelled, Interrupted and Paused runs can be continued, so they keep their checkpoint.</summary>
    public bool Resumable => Status is RunStatus.Cancelled or RunStatus.Interrupted or RunStatus.Paused;
}
