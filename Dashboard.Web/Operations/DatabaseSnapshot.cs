using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Operations;

/// <summary>What a snapshot or a backup file holds.</summary>
public sealed record SnapshotSummary(int Runs, int Studies, int Artifacts, long ArtifactBytes)
{
    public override string ToString() => $"{Runs} run(s), {Studies} study(ies), {Artifacts} artifact(s) of {ArtifactBytes:N0} bytes";
}

/// <summary>
/// Copies a whole dashboard database into a new LiteDB file: every collection (file storage included:
/// it is the <c>_files</c> and <c>_chunks</c> collections) document by document, and every index.
/// Reads happen in one LiteDB read transaction, whose snapshots keep the version of the moment they
/// were opened while other threads go on writing (docs/decisions/0015-lock-backup-retention.md).
/// </summary>
public static class DatabaseSnapshot
{
    private const int BatchSize = 64;

    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="targetPath"/> (replaced only once complete).
    /// <paramref name="pauseWrites"/> runs its argument while the dashboard's multi-step writes are held,
    /// so the snapshot's versions are opened between two of them, never inside one.
    /// </summary>
    public static SnapshotSummary Write(LiteDatabase source, string targetPath, Action<Action> pauseWrites)
    {
        var partial = targetPath + ".partial";
        File.Delete(partial);
        File.Delete(RunStore.LogFile(partial));
        source.BeginTrans();
        try
        {
            List<string> names = [];
            // Opening a read snapshot of every collection fixes the version that the whole copy reads.
            pauseWrites(() =>
            {
                names = source.GetCollectionNames().OrderBy(n => n, StringComparer.Ordinal).ToList();
                foreach (var name in names) source.GetCollection(name).Count();
            });
            using (var target = new LiteDatabase(new ConnectionString { Filename = partial, Connection = ConnectionType.Direct }))
            {
                foreach (var name in names) CopyCollection(source, target, name);
                CopyIndexes(source, target, names);
                target.Checkpoint();
            }
        }
        finally
        {
            source.Rollback();
        }
        var summary = Validate(partial);
        File.Move(partial, targetPath, overwrite: true);
        return summary;
    }

    private static void CopyCollection(LiteDatabase source, LiteDatabase target, string name)
    {
        var into = target.GetCollection(name, BsonAutoId.ObjectId);
        var batch = new List<BsonDocument>(BatchSize);
        foreach (var document in source.GetCollection(name).FindAll())
        {
            batch.Add(document);
            if (batch.Count < BatchSize) continue;
            into.InsertBulk(batch);
            batch.Clear();
        }
        if (batch.Count > 0) into.InsertBulk(batch);
    }

    private static void CopyIndexes(LiteDatabase source, LiteDatabase target, IReadOnlyList<string> names)
    {
        using var reader = source.Execute("SELECT $ FROM $indexes");
        while (reader.Read())
        {
            var index = reader.Current.AsDocument;
            var collection = index["collection"].AsString;
            var name = index["name"].AsString;
            if (name == "_id" || !names.Contains(collection)) continue;
            target.GetCollection(collection).EnsureIndex(name, BsonExpression.Create(index["expression"].AsString), index["unique"].AsBoolean);
        }
    }

    /// <summary>
    /// Checks that <paramref name="path"/> is a readable dashboard database: a LiteDB file with a runs
    /// collection, every document readable and every stored file as long as its entry says.
    /// </summary>
    /// <exception cref="InvalidDataException">It is not, with the reason.</exception>
    public static SnapshotSummary Validate(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"{path} does not exist.");
        if (new FileInfo(path).Length == 0) throw new InvalidDataException($"{path} is empty.");
        try
        {
            RunStore.EnsureLiteDbOrNew(path);
            using var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, ReadOnly = true });
            var names = db.GetCollectionNames().ToHashSet(StringComparer.Ordinal);
            if (!names.Contains("runs")) throw new InvalidDataException($"{path} is a LiteDB file but not a dashboard database: it has no runs collection.");
            foreach (var name in names) db.GetCollection(name).FindAll().Count();
            var files = 0;
            long bytes = 0;
            foreach (var file in db.FileStorage.FindAll())
            {
                using var content = file.OpenRead();
                var read = CountBytes(content);
                if (read != file.Length) throw new InvalidDataException($"{path}: stored file {file.Id} has {read} of its {file.Length} bytes.");
                files++;
                bytes += read;
            }
            var studies = names.Contains("studies") ? db.GetCollection("studies").Count() : 0;
            return new SnapshotSummary(db.GetCollection("runs").Count(), studies, files, bytes);
        }
        catch (Exception e) when (e is LiteException or InvalidOperationException or InvalidCastException)
        {
            throw new InvalidDataException($"{path} is not a readable dashboard database: {e.Message}", e);
        }
    }

    private static long CountBytes(Stream stream)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0) total += read;
        return total;
    }
}
