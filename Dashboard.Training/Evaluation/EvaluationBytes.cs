using System.Runtime.InteropServices;
using Dashboard.Training.Data;

namespace Dashboard.Training.Evaluation;

/// <summary>
/// A test-set evaluation as bytes: a versioned header, then the labels and predictions (one byte each) and the
/// softmax outputs (float32). About 420 KB for the 10,000 test images. The one serialised form of an evaluation:
/// the dashboard stores it as it is, and a worker sends it as it is (docs/decisions/0021).
/// </summary>
public static class EvaluationBytes
{
    private const string Magic = "DashboardEvaluation";
    private const int FormatVersion = 1;

    /// <summary>The bytes of <paramref name="e"/>, written in one buffer of the exact size.</summary>
    public static byte[] ToBytes(EvaluationResult e)
    {
        var n = e.Truth.Length;
        var probabilityBytes = MemoryMarshal.AsBytes(e.Probabilities.AsSpan());
        var header = HeaderLength();
        var bytes = new byte[header + 2 * n + probabilityBytes.Length];
        using (var writer = new BinaryWriter(new MemoryStream(bytes, 0, header, writable: true)))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(n);
            writer.Write(e.Probabilities.Length);
            writer.Write(e.MeanLoss);
            writer.Write(e.Accuracy);
        }
        for (var i = 0; i < n; i++)
        {
            bytes[header + i] = (byte)e.Truth[i];
            bytes[header + n + i] = (byte)e.Predictions[i];
        }
        probabilityBytes.CopyTo(bytes.AsSpan(header + 2 * n));
        return bytes;
    }

    /// <summary>Reads an evaluation written by <see cref="ToBytes"/>, checking that it is whole and its labels are classes.</summary>
    /// <exception cref="InvalidDataException">Not an evaluation of this format, cut short, too long, or with a label outside Fashion-MNIST's classes.</exception>
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
            var header = (int)reader.BaseStream.Position;
            if (bytes.LongLength != header + 2L * n + 4L * probabilityCount)
                throw new InvalidDataException(bytes.LongLength < header + 2L * n + 4L * probabilityCount
                    ? "The stored evaluation is truncated."
                    : "The evaluation has bytes after its end.");
            var truth = Labels(bytes.AsSpan(header, n));
            var predictions = Labels(bytes.AsSpan(header + n, n));
            var probabilities = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(header + 2 * n)).ToArray();
            return new EvaluationResult(meanLoss, accuracy, truth, predictions, probabilities);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The stored evaluation is truncated.", e);
        }
    }

    private static int[] Labels(ReadOnlySpan<byte> bytes)
    {
        var labels = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] >= FashionMnist.ClassCount) throw new InvalidDataException($"The evaluation has label {bytes[i]}, outside 0..{FashionMnist.ClassCount - 1}.");
            labels[i] = bytes[i];
        }
        return labels;
    }

    private static int HeaderLength()
    {
        // The length prefix of the magic string is one byte (it is under 128 characters), then four ints' and two doubles' worth.
        return 1 + Magic.Length + 4 + 4 + 4 + 8 + 8;
    }
}
