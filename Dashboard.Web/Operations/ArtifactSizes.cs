using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Operations;

/// <summary>Bytes stored per artifact kind, from the file storage's entries (LiteDB's <c>_files</c> collection), without reading the files.</summary>
public sealed record ArtifactBytes(long Weights, long Checkpoints, long Evaluations, long Other)
{
    public long Total => Weights + Checkpoints + Evaluations + Other;
}

internal static class ArtifactSizes
{
    private const string Files = "_files";

    public static ArtifactBytes ByKind(RunStore store)
    {
        long weights = 0, checkpoints = 0, evaluations = 0, other = 0;
        foreach (var file in store.GetCollection<BsonDocument>(Files).FindAll())
        {
            var length = file["length"].AsInt64;
            var id = file["_id"].AsString;
            if (id.StartsWith("weights/", StringComparison.Ordinal)) weights += length;
            else if (id.StartsWith("checkpoints/", StringComparison.Ordinal)) checkpoints += length;
            else if (id.StartsWith("evaluations/", StringComparison.Ordinal)) evaluations += length;
            else other += length;
        }
        return new ArtifactBytes(weights, checkpoints, evaluations, other);
    }

    public static long CheckpointBytes(RunStore store, Guid runId) =>
        store.GetCollection<BsonDocument>(Files).FindById("checkpoints/" + runId.ToString("N"))?["length"].AsInt64 ?? 0;
}
