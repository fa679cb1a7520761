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
            switch (RunStore.KindOfFile(file["_id"].AsString))
            {
                case ArtifactKind.Weights: weights += length; break;
                case ArtifactKind.Checkpoint: checkpoints += length; break;
                case ArtifactKind.Evaluation: evaluations += length; break;
                default: other += length; break;
            }
        }
        return new ArtifactBytes(weights, checkpoints, evaluations, other);
    }

    public static long CheckpointBytes(RunStore store, Guid runId) =>
        store.GetCollection<BsonDocument>(Files).FindById(RunStore.FileId(ArtifactKind.Checkpoint, runId))?["length"].AsInt64 ?? 0;
}
