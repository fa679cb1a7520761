using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Training;

/// <summary>
/// Everything needed to continue a run after epoch <see cref="Epoch"/> exactly as if it had never
/// stopped: weights, optimizer state, the three random streams (batch order, augmentation, and torch's
/// global generator, which dropout draws from), the metrics so far, and the early-stopping state.
/// </summary>
/// <param name="Config">The run's config; a resumed run uses it unchanged.</param>
/// <param name="Epoch">The last finished epoch (1-based).</param>
/// <param name="History">Metrics of epochs 1 to <paramref name="Epoch"/>.</param>
/// <param name="TrainingSeconds">Training time spent so far.</param>
/// <param name="Weights">Model weights after <paramref name="Epoch"/>, in TorchSharp's format.</param>
/// <param name="OptimizerState">The optimizer's state (e.g. Adam's moment estimates and step counts), in TorchSharp's format.</param>
/// <param name="BatchOrderRng">State of the generator that draws each epoch's batch order.</param>
/// <param name="AugmentationRng">State of the augmentation generator; null when the run does not augment.</param>
/// <param name="GlobalRng">State of torch's global CPU generator (dropout).</param>
/// <param name="BestEpoch">With early stopping, the epoch of the lowest validation loss so far.</param>
/// <param name="BestValidationLoss">That loss.</param>
/// <param name="BestWeights">That epoch's weights.</param>
public sealed record TrainingCheckpoint(
    TrainingConfig Config,
    int Epoch,
    IReadOnlyList<EpochMetrics> History,
    double TrainingSeconds,
    byte[] Weights,
    byte[] OptimizerState,
    byte[] BatchOrderRng,
    byte[]? AugmentationRng,
    byte[] GlobalRng,
    int? BestEpoch,
    double? BestValidationLoss,
    byte[]? BestWeights)
{
    private const string Magic = "DashboardCheckpoint";
    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Total size of the byte payloads, roughly the stored size.</summary>
    public long SizeBytes => Weights.LongLength + OptimizerState.LongLength + BatchOrderRng.LongLength
        + (AugmentationRng?.LongLength ?? 0) + GlobalRng.LongLength + (BestWeights?.LongLength ?? 0);

    /// <summary>The checkpoint as one byte array (a versioned header, JSON for the small fields, then the payloads).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(JsonSerializer.Serialize(new Header(Config, Epoch, History, TrainingSeconds, BestEpoch, BestValidationLoss), Json));
            foreach (var payload in new[] { Weights, OptimizerState, BatchOrderRng, AugmentationRng, GlobalRng, BestWeights })
            {
                writer.Write(payload?.Length ?? -1);
                if (payload is not null) writer.Write(payload);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Reads bytes written by <see cref="ToBytes"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a checkpoint of this format.</exception>
    public static TrainingCheckpoint FromBytes(byte[] bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            if (reader.ReadString() != Magic) throw new InvalidDataException("Not a training checkpoint.");
            var version = reader.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"Checkpoint format {version} is not supported (expected {FormatVersion}).");
            var header = JsonSerializer.Deserialize<Header>(reader.ReadString(), Json) ?? throw new InvalidDataException("The checkpoint header is empty.");
            byte[]? Next()
            {
                var length = reader.ReadInt32();
                return length < 0 ? null : reader.ReadBytes(length) is { } b && b.Length == length ? b : throw new InvalidDataException("The checkpoint is truncated.");
            }
            var (weights, optimizer, batchOrder, augmentation, global, best) = (Next(), Next(), Next(), Next(), Next(), Next());
            return new TrainingCheckpoint(header.Config, header.Epoch, header.History, header.TrainingSeconds,
                weights ?? throw new InvalidDataException("The checkpoint has no weights."),
                optimizer ?? throw new InvalidDataException("The checkpoint has no optimizer state."),
                batchOrder ?? throw new InvalidDataException("The checkpoint has no batch-order state."),
                augmentation,
                global ?? throw new InvalidDataException("The checkpoint has no global generator state."),
                header.BestEpoch, header.BestValidationLoss, best);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new InvalidDataException($"The checkpoint is corrupt: {e.Message}", e);
        }
    }

    private sealed record Header(TrainingConfig Config, int Epoch, IReadOnlyList<EpochMetrics> History, double TrainingSeconds, int? BestEpoch, double? BestValidationLoss);
}
