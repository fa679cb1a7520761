namespace Dashboard.Web.Storage;

/// <summary>The files a run keeps in LiteDB file storage (docs/decisions/0014-durable-artifacts.md).</summary>
public enum ArtifactKind
{
    Weights,
    Checkpoint,
    Evaluation,
}

/// <summary>A stored artifact whose bytes do not match the length and SHA-256 recorded when it was written.</summary>
public sealed record ArtifactProblem(Guid RunId, ArtifactKind Kind, string Fault)
{
    public string Describe() => $"The stored {Noun} of run {RunId} failed verification: {Fault}";

    private string Noun => Kind switch
    {
        ArtifactKind.Weights => "weights",
        ArtifactKind.Checkpoint => "checkpoint",
        _ => "test-set evaluation",
    };
}

/// <summary>Thrown instead of returning a damaged artifact's bytes.</summary>
public sealed class ArtifactDamagedException(ArtifactProblem problem) : Exception(problem.Describe())
{
    public ArtifactProblem Problem { get; } = problem;
}

/// <summary>
/// A write that found the disk full. Nothing of it was kept (its transaction was rolled back), the database was
/// reopened, and the message says "disk full" so that a run's reason can name it.
/// </summary>
public sealed class DiskFullException(string path, Exception inner)
    : IOException($"disk full: the run database {path} could not be written ({inner.Message}). Free space on that disk, then resume.", inner)
{
    private const int Enospc = 28;

    /// <summary>Whether <paramref name="e"/> or an exception inside it is ENOSPC ("No space left on device").</summary>
    public static bool IsDiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DiskFullException) return true;
            if (e is IOException io && (io.HResult == Enospc || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)))
                return true;
        }
        return false;
    }
}
