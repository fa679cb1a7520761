using System.Runtime.InteropServices;
using Dashboard.Training.Evaluation;

namespace Dashboard.Web.Storage;

/// <summary>
/// A test-set evaluation as bytes for LiteDB file storage: a versioned header, then the labels,
/// predictions (one byte each) and the softmax outputs (float32). About 420 KB for the 10,000 test images.
/// </summary>
internal static class EvaluationBytes
{
    private const string Magic = "DashboardEvaluation";
    private const int FormatVersion = 1;

    public static byte[] ToBytes(EvaluationResult e)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(e.Truth.Length);
            writer.Write(e.Probabilities.Length);
            writer.Write(e.MeanLoss);
            writer.Write(e.Accuracy);
            foreach (var t in e.Truth) writer.Write((byte)t);
            foreach (var p in e.Predictions) writer.Write((byte)p);
            writer.Write(MemoryMarshal.AsBytes(e.Probabilities.AsSpan()));
        }
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">Not an evaluation of this format, or cut short.</exception>
    public static EvaluationResult FromBytes(byte[] bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
            if (reader.ReadString() != Magic) throw new InvalidDataException("Not a stored evaluation.");
            var version = reader.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"Evaluation format {version} is not supported (expected {FormatVersion}).");
            var n = reader.ReadInt32();
            var probabilityCount = reader.ReadInt32();
            if (n < 0 || probabilityCount < 0 || probabilityCount > bytes.Length) throw new InvalidDataException("The evaluation's sizes are corrupt.");
            var meanLoss = reader.ReadDouble();
            var accuracy = reader.ReadDouble();
            var truth = reader.ReadBytes(n).Select(b => (int)b).ToArray();
            var predictions = reader.ReadBytes(n).Select(b => (int)b).ToArray();
            var probabilityBytes = reader.ReadBytes(probabilityCount * sizeof(float));
            if (truth.Length != n || predictions.Length != n || probabilityBytes.Length != probabilityCount * sizeof(float))
                throw new InvalidDataException("The stored evaluation is truncated.");
            var probabilities = MemoryMarshal.Cast<byte, float>(probabilityBytes).ToArray();
            return new EvaluationResult(meanLoss, accuracy, truth, predictions, probabilities);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The stored evaluation is truncated.", e);
        }
    }
}
