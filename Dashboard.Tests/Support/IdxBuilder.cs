using System.Buffers.Binary;
using System.IO.Compression;

namespace Dashboard.Tests.Support;

/// <summary>Builds small synthetic idx files.</summary>
public static class IdxBuilder
{
    public static byte[] Images(int count, int rows = 28, int cols = 28, int magic = 2051, int? declaredCount = null, Func<int, byte>? pixel = null)
    {
        var bytes = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), declaredCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (var i = 16; i < bytes.Length; i++) bytes[i] = pixel?.Invoke(i - 16) ?? (byte)(i % 256);
        return bytes;
    }

    public static byte[] Labels(int count, int magic = 2049, int? declaredCount = null, Func<int, byte>? label = null)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), declaredCount ?? count);
        for (var i = 0; i < count; i++) bytes[8 + i] = label?.Invoke(i) ?? (byte)(i % 10);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(raw);
        return output.ToArray();
    }
}
