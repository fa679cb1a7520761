using System.Buffers.Binary;
using System.IO.Compression;

namespace Dashboard.Training.Data;

/// <summary>Reads idx files (raw or gzip-compressed), validating everything before returning any data.</summary>
public static class IdxReader
{
    /// <summary>Magic number of an idx3-ubyte image file.</summary>
    public const int ImagesMagic = 2051;

    /// <summary>Magic number of an idx1-ubyte label file.</summary>
    public const int LabelsMagic = 2049;

    /// <summary>Reads a whole file into memory, decompressing it if it starts with the gzip signature.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        if (!File.Exists(path))
            throw new DatasetException($"{path}: file is missing.");
        try
        {
            var raw = File.ReadAllBytes(path);
            return IsGzip(raw) ? Gunzip(raw) : raw;
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: not a valid gzip file ({e.Message}).", e);
        }
    }

    /// <summary>Whether the bytes start with the gzip signature.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>Decompresses gzip bytes.</summary>
    public static byte[] Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream(gz.Length * 4);
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Parses an idx3-ubyte image file; returns the pixel bytes (count × rows × columns).</summary>
    public static IdxImages ParseImages(byte[] bytes, string name)
    {
        RequireLength(bytes, 16, name, "header");
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != ImagesMagic)
            throw new DatasetException($"{name}: wrong magic number {magic}, expected {ImagesMagic} for an image file.");
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        var cols = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (count <= 0 || rows <= 0 || cols <= 0)
            throw new DatasetException($"{name}: invalid dimensions {count}×{rows}×{cols}.");
        var expected = 16L + (long)count * rows * cols;
        if (bytes.Length < expected)
            throw new DatasetException($"{name}: truncated: {bytes.Length} bytes, expected {expected} for {count} images of {rows}×{cols}.");
        if (bytes.Length > expected)
            throw new DatasetException($"{name}: {bytes.Length - expected} unexpected bytes after {count} images of {rows}×{cols}.");
        return new IdxImages(count, rows, cols, bytes.AsMemory(16));
    }

    /// <summary>Parses an idx1-ubyte label file; every label must be below <paramref name="classCount"/>.</summary>
    public static ReadOnlyMemory<byte> ParseLabels(byte[] bytes, string name, int classCount = FashionMnist.ClassCount)
    {
        RequireLength(bytes, 8, name, "header");
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != LabelsMagic)
            throw new DatasetException($"{name}: wrong magic number {magic}, expected {LabelsMagic} for a label file.");
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (count <= 0)
            throw new DatasetException($"{name}: invalid label count {count}.");
        var expected = 8L + count;
        if (bytes.Length < expected)
            throw new DatasetException($"{name}: truncated: {bytes.Length} bytes, expected {expected} for {count} labels.");
        if (bytes.Length > expected)
            throw new DatasetException($"{name}: {bytes.Length - expected} unexpected bytes after {count} labels.");
        var labels = bytes.AsMemory(8);
        var bad = labels.Span.IndexOfAnyExceptInRange((byte)0, (byte)(classCount - 1));
        if (bad >= 0)
            throw new DatasetException($"{name}: label {labels.Span[bad]} at index {bad} is not a class (0–{classCount - 1}).");
        return labels;
    }

    private static void RequireLength(byte[] bytes, int length, string name, string what)
    {
        if (bytes.Length < length)
            throw new DatasetException($"{name}: truncated: {bytes.Length} bytes, too short for the {length}-byte {what}.");
    }
}

/// <summary>Pixels of an idx image file, row-major, one byte per pixel.</summary>
public sealed record IdxImages(int Count, int Rows, int Columns, ReadOnlyMemory<byte> Pixels);
