using System.Text;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Storage;

/// <summary>
/// Every run in one LiteDB file. The process opens the file once: two direct-mode connections to one
/// file lost writes on Linux (docs/decisions/0005-one-litedb-per-process.md). Every write is one LiteDB
/// transaction under a lock, so that epoch appends and status changes never overwrite each other and a crash
/// or a full disk keeps all of a write or none of it (docs/decisions/0014-durable-artifacts.md).
/// </summary>
public sealed partial class RunStore : IDisposable
{
    private readonly BsonMapper _mapper;
    // Replaced by Reopen after a write failed on the disk: LiteDB closes its engine on an I/O error.
    private LiteDatabase _db = null!;
    private ILiteCollection<Run> _runs = null!;
    private readonly Lock _writeLock = new();
    private readonly ILogger<RunStore> _logger;
    private DateTime _lastCreatedUtc;

    public RunStore(IOptions<StorageOptions> options, ILogger<RunStore> logger)
    {
        _logger = logger;
        var path = Path.GetFullPath(options.Value.DatabasePath);
        DatabasePath = path;
        EnsureLiteDbOrNew(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _mapper = new BsonMapper { EnumAsInteger = false };
        _mapper.Entity<Run>().Id(r => r.Id, autoId: false);
        try
        {
            Open();
            foreach (var field in RunFields.Paths.Values) _runs.EnsureIndex(field);
            // LiteDB hands dates back in local time.
            _lastCreatedUtc = _runs.Query().OrderByDescending(r => r.CreatedUtc).Select(r => r.CreatedUtc).FirstOrDefault().ToUniversalTime();
        }
        catch (LiteException e)
        {
            _db?.Dispose();
            throw new InvalidOperationException($"The run database {path} could not be opened: {e.Message}", e);
        }
        RemoveOrphans();
        TryHoldReserve();
    }

    public string DatabasePath { get; }

    /// <summary>LiteDB 5's write-ahead log beside a database file: <c>NAME-log.EXT</c>.</summary>
    public static string LogFile(string databasePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath))!,
            Path.GetFileNameWithoutExtension(databasePath) + "-log" + Path.GetExtension(databasePath));

    /// <summary>Refuses a file that exists, is not empty and is not a LiteDB file, before LiteDB can touch it.</summary>
    internal static void EnsureLiteDbOrNew(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return;
        var header = new byte[HeaderBytes];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (!Encoding.ASCII.GetString(header, 0, Math.Min(read, 128)).Contains("** This is a LiteDB file **", StringComparison.Ordinal))
            throw new InvalidOperationException(
                $"{path} is not a LiteDB database, so the dashboard will not use or overwrite it. " +
                $"Point Storage:DatabasePath at another file, or move this one away.");
        if (TruncationOf(path, header, read) is { } fault)
            throw new InvalidOperationException(
                $"{path} is damaged: {fault} The dashboard will not use or overwrite it. " +
                "Restore a backup (dotnet run --project Dashboard.Web -- restore FILE), or move this file away.");
    }

    // LiteDB 5 files are whole 8 KiB pages, and the header page (page 0) stores the id of the last page at byte 64.
    // LiteDB itself opens a cut file without a word and then writes into it, so the dashboard checks first.
    private const int PageBytes = 8192, LastPageIdOffset = 64, HeaderBytes = PageBytes;

    private static string? TruncationOf(string path, byte[] header, int read)
    {
        // A write-ahead log beside the file holds pages that LiteDB copies in when it opens; only a file without one must be whole.
        var log = LogFile(path);
        if (File.Exists(log) && new FileInfo(log).Length > 0) return null;
        var length = new FileInfo(path).Length;
        if (read < HeaderBytes || length % PageBytes != 0)
            return $"its length, {length:N0} bytes, is not a whole number of {PageBytes:N0}-byte pages (the file was cut short).";
        var pages = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(LastPageIdOffset)) + 1L;
        return length < pages * PageBytes
            ? $"its header counts {pages:N0} pages ({pages * PageBytes:N0} bytes) but the file has {length:N0} bytes (the file was cut short)."
            : null;
    }

    public Run Create(TrainingConfig config, string? name = null, string? createdBy = null, int? pauseAfterEpoch = null)
    {
        var id = Guid.NewGuid();
        var run = new Run
        {
            Id = id,
            Name = string.IsNullOrWhiteSpace(name) ? DefaultName(config) : name.Trim(),
            Config = config,
            Status = RunStatus.Queued,
            CreatedBy = createdBy,
            PauseAfterEpoch = pauseAfterEpoch,
        };
        return Insert(run);
    }

    /// <summary>Stores a queued ensemble of <paramref name="members"/> (checked by the caller).</summary>
    public Run CreateEnsemble(IReadOnlyList<Run> members, string? name = null, string? createdBy = null)
    {
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = string.IsNullOrWhiteSpace(name) ? EnsembleName(members) : name.Trim(),
            Config = new TrainingConfig { Model = EnsembleModelName, Epochs = 0 },
            Status = RunStatus.Queued,
            EnsembleMembers = members.Select(m => m.Id).ToList(),
            CreatedBy = createdBy,
        };
        return Insert(run);
    }

    /// <summary>
    /// Stores a new run with a creation time strictly after every earlier run's. LiteDB keeps DateTime to the
    /// millisecond, and a study queues several runs within one, so plain UtcNow gave ties that put
    /// same-millisecond runs back in the queue in random order after a restart.
    /// </summary>
    private Run Insert(Run run)
    {
        lock (_writeLock)
        {
            var now = DateTime.UtcNow;
            now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
            _lastCreatedUtc = now > _lastCreatedUtc ? now : _lastCreatedUtc.AddMilliseconds(1);
            run = run with { CreatedUtc = _lastCreatedUtc };
            Write(() => _runs.Insert(run));
        }
        return run;
    }

    /// <summary>What an ensemble's config names as its model (so the grid can filter on it).</summary>
    public const string EnsembleModelName = "Ensemble";

    private static string EnsembleName(IReadOnlyList<Run> members)
    {
        var name = $"Ensemble of {members.Count}: " + string.Join(" + ", members.Select(m => m.Name));
        return name.Length <= 120 ? name : name[..117] + "…";
    }

    /// <summary>Inserts fully formed runs (benchmark seeding, imports).</summary>
    public void InsertMany(IEnumerable<Run> runs)
    {
        Write(() => _runs.InsertBulk(runs));
    }

    public static string DefaultName(TrainingConfig c) =>
        FormattableString.Invariant($"{c.Model} e{c.Epochs} b{c.BatchSize} lr{c.LearningRate:G3} wd{c.WeightDecay:G3}{(c.TrainSubset is { } n ? $" n{n}" : "")}");

    public Run? Get(Guid id) => _runs.FindById(id);

    public int Count() => _runs.Count();

    /// <summary>Applies <paramref name="change"/> to the stored run atomically; null if the run does not exist.</summary>
    public Run? Update(Guid id, Func<Run, Run> change) => Write(() => UpdateInTransaction(id, change));

    private Run? UpdateInTransaction(Guid id, Func<Run, Run> change)
    {
        var run = _runs.FindById(id);
        if (run is null) return null;
        var updated = change(run) with { Id = id };
        _runs.Update(updated);
        return updated;
    }

    public Run? AppendEpoch(Guid id, EpochMetrics metrics) =>
        Update(id, r => r with { Epochs = [.. r.Epochs.Where(e => e.Epoch != metrics.Epoch), metrics] });

    /// <summary>Replaces the run's tags (normalised by <see cref="RunTags.Normalize(IEnumerable{string?})"/>); null if the run does not exist.</summary>
    /// <exception cref="ArgumentException">Too many or too long tags.</exception>
    public Run? SetTags(Guid id, IEnumerable<string?> tags)
    {
        var normalized = RunTags.Normalize(tags);
        if (RunTags.Validate(normalized) is { } error) throw new ArgumentException(error);
        return Update(id, r => r with { Tags = normalized });
    }

    /// <summary>Sets or clears (blank) the run's note; null if the run does not exist.</summary>
    /// <exception cref="ArgumentException">A note that is too long.</exception>
    public Run? SetNote(Guid id, string? note)
    {
        if (RunTags.ValidateNote(note) is { } error) throw new ArgumentException(error);
        return Update(id, r => r with { Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim() });
    }

    public Run? SetStudy(Guid id, Guid studyId, int group) => Update(id, r => r with { StudyId = studyId, StudyGroup = group });

    /// <summary>Every tag in use, with how many runs carry it, most used first.</summary>
    public IReadOnlyList<(string Tag, int Count)> AllTags() =>
        _runs.Query().Where("COUNT($.Tags) > 0").Select("{ t: $.Tags }").ToEnumerable()
            .SelectMany(d => d["t"].AsArray.Select(v => v.AsString))
            .GroupBy(t => t, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(t => t.Item2).ThenBy(t => t.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Another collection in the same database file, for features that keep their own documents (studies).
    /// Ask again for each use: the database is reopened after a write fails on a full disk.
    /// </summary>
    internal ILiteCollection<T> GetCollection<T>(string name) => _db.GetCollection<T>(name);

    /// <summary>
    /// Writes to another collection of this database under the store's own rule for writes (see <c>Write</c>): one
    /// transaction under the write lock, and on a full disk nothing kept, the database reopened and a
    /// <see cref="DiskFullException"/> thrown.
    /// </summary>
    internal T WriteTo<TDocument, T>(string collection, Func<ILiteCollection<TDocument>, T> work) =>
        Write(() => work(_db.GetCollection<TDocument>(collection)));

    /// <summary>The open database, for operator tasks that read it whole (backup snapshots).</summary>
    internal LiteDatabase Database => _db;

    /// <summary>Runs <paramref name="action"/> between two of this store's writes, none of which can start meanwhile.</summary>
    internal void PauseWrites(Action action)
    {
        lock (_writeLock) action();
    }

    /// <summary>Deletes a finished or queued run and its weights. A running run is refused.</summary>
    public DeleteOutcome Delete(Guid id) => Write(() =>
    {
        var run = _runs.FindById(id);
        if (run is null) return DeleteOutcome.NotFound;
        if (run.Status == RunStatus.Running) return DeleteOutcome.Running;
        foreach (var kind in Enum.GetValues<ArtifactKind>()) DeleteArtifact(kind, id);
        _runs.Delete(id);
        return DeleteOutcome.Deleted;
    });

    /// <summary>
    /// At start-up: a run still marked Running was cut off by a crash or stop, so it becomes Interrupted
    /// (its finished epochs stay). Returns the Queued runs, oldest first, to be queued again.
    /// </summary>
    public IReadOnlyList<Run> RecoverAfterRestart(bool keepWorkerRuns = false) => Write<IReadOnlyList<Run>>(() =>
    {
        foreach (var run in _runs.Find(r => r.Status == RunStatus.Running).ToList())
        {
            // A worker's run goes on while the dashboard restarts; the watchdog decides if its worker was lost.
            if (keepWorkerRuns && run.Lease is not null) continue;
            _runs.Update(run with
            {
                Status = RunStatus.Interrupted,
                StatusReason = $"The dashboard stopped while this run was running; {run.Epochs.Count} finished epoch(s) were kept.",
                FinishedUtc = DateTime.UtcNow,
            });
            _logger.LogWarning("Run {RunId} was running when the app stopped; marked Interrupted", run.Id);
        }
        return _runs.Find(r => r.Status == RunStatus.Queued).OrderBy(r => r.CreatedUtc).ToList();
    });

    /// <summary>Queued runs still to be handed to the workers' job queue, oldest first.</summary>
    public IReadOnlyList<Run> AwaitingJobQueue() =>
        _runs.Find(r => r.Status == RunStatus.Queued && r.AwaitsJobQueue).OrderBy(r => r.CreatedUtc).ToList();

    /// <summary>Queued or running runs that a worker has claimed.</summary>
    public IReadOnlyList<Run> ClaimedRuns() =>
        _runs.Find(r => r.Lease != null && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)).ToList();

    /// <summary>One page of runs, sorted, filtered and counted by the database.</summary>
    /// <exception cref="ArgumentException">An unknown field or match, or a value of the wrong kind.</exception>
    public RunPage Query(RunQuery query)
    {
        if (!RunFields.Paths.TryGetValue(query.SortBy, out var sortPath))
            throw new ArgumentException($"Cannot sort by '{query.SortBy}'. Sortable fields: {string.Join(", ", RunFields.Paths.Keys)}.");
        var where = query.Filters.Select(ToExpression).ToList();

        var q = _runs.Query();
        foreach (var condition in where) q = q.Where(condition);
        var total = q.Count();

        q = _runs.Query();
        foreach (var condition in where) q = q.Where(condition);
        var items = q.OrderBy(BsonExpression.Create(sortPath), query.Descending ? LiteDB.Query.Descending : LiteDB.Query.Ascending)
            .Skip(Math.Max(0, query.Skip))
            .Limit(Math.Clamp(query.Take, 1, 500))
            .ToList();
        return new RunPage(items, total);
    }

    private static BsonExpression ToExpression(RunFilter filter)
    {
        if (!RunFields.Paths.TryGetValue(filter.Field, out var path))
            throw new ArgumentException($"Cannot filter on '{filter.Field}'. Fields: {string.Join(", ", RunFields.Paths.Keys)}.");
        if (filter.Match == FilterMatch.AnyOf)
        {
            if (filter.Value is not System.Collections.IEnumerable choices || filter.Value is string)
                throw new ArgumentException($"{FilterMatch.AnyOf} needs a list of values, not {filter.Value ?? "null"}.");
            return BsonExpression.Create($"{path} IN @0", new BsonArray(choices.Cast<object?>().Select(ToBson)));
        }
        var value = ToBson(filter.Value);
        // A list field (tags) is empty when it has no items.
        var isList = path.EndsWith("[*]", StringComparison.Ordinal);
        return filter.Match switch
        {
            FilterMatch.Contains => Like(path, "%" + Lower(value) + "%"),
            FilterMatch.NotContains => BsonExpression.Create($"NOT(LOWER({path}) LIKE @0)", new BsonValue("%" + Lower(value) + "%")),
            FilterMatch.StartsWith => Like(path, Lower(value) + "%"),
            FilterMatch.EndsWith => Like(path, "%" + Lower(value)),
            FilterMatch.Equal => BsonExpression.Create($"{path} = @0", value),
            FilterMatch.NotEqual => BsonExpression.Create($"{path} != @0", value),
            FilterMatch.Greater => BsonExpression.Create($"{path} > @0", value),
            FilterMatch.GreaterOrEqual => BsonExpression.Create($"{path} >= @0", value),
            FilterMatch.Less => BsonExpression.Create($"{path} < @0", value),
            FilterMatch.LessOrEqual => BsonExpression.Create($"{path} <= @0", value),
            FilterMatch.Empty when isList => BsonExpression.Create($"COUNT({path}) = 0"),
            FilterMatch.NotEmpty when isList => BsonExpression.Create($"COUNT({path}) > 0"),
            FilterMatch.Empty => BsonExpression.Create($"({path} = null OR {path} = '')"),
            FilterMatch.NotEmpty => BsonExpression.Create($"({path} != null AND {path} != '')"),
            FilterMatch.Includes => BsonExpression.Create($"{path} ANY = @0", new BsonValue(RunTags.Normalize(value.AsString))),
            _ => throw new ArgumentException($"Unknown filter match {filter.Match}. Matches: {string.Join(", ", Enum.GetNames<FilterMatch>())}."),
        };
    }

    private static BsonExpression Like(string path, string pattern) => BsonExpression.Create($"LOWER({path}) LIKE @0", new BsonValue(pattern));

    private static string? Lower(BsonValue value) => value.AsString?.ToLowerInvariant();

    private static BsonValue ToBson(object? value) => value switch
    {
        null => BsonValue.Null,
        Enum e => new BsonValue(e.ToString()),
        string s => new BsonValue(s),
        DateTime d => new BsonValue(d.ToUniversalTime()),
        Guid g => new BsonValue(g),
        IConvertible c => new BsonValue(c.ToDouble(System.Globalization.CultureInfo.InvariantCulture)),
        var other => throw new ArgumentException($"Unsupported filter value {other}."),
    };

    public void Dispose()
    {
        lock (_writeLock) _db.Dispose();
    }
}

public enum DeleteOutcome
{
    Deleted,
    NotFound,
    Running,
}
