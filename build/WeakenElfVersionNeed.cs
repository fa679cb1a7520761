using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Sets VER_FLG_WEAK on one version need (SHT_GNU_verneed entry) of 64-bit little-endian ELF files,
// so the dynamic loader accepts a library whose only use of that version is a symbol it never binds.
// The file is rewritten through a temporary copy, so a hard link into the NuGet cache is never modified.
public class WeakenElfVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = Weaken(bytes, Version);
                if (result == "patched")
                {
                    var tmp = path + ".weak-tmp";
                    File.WriteAllBytes(tmp, bytes);
                    File.Delete(path);
                    File.Move(tmp, path);
                    Log.LogMessage(MessageImportance.Normal, $"Marked {Version} weak in {path}");
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, $"{path}: {result}");
                }
            }
            catch (Exception e)
            {
                Log.LogError($"Could not mark {Version} weak in {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static string Weaken(byte[] b, string version)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        var shoff = (long)BitConverter.ToUInt64(b, 0x28);
        var shentsize = BitConverter.ToUInt16(b, 0x3A);
        var shnum = BitConverter.ToUInt16(b, 0x3C);
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != ShtGnuVerneed) continue;

            var offset = (long)BitConverter.ToUInt64(b, (int)sh + 0x18);
            var link = BitConverter.ToUInt32(b, (int)sh + 0x28);
            var strtab = (long)BitConverter.ToUInt64(b, (int)(shoff + link * shentsize) + 0x18);
            var found = false;
            var entry = offset;
            while (true)
            {
                var count = BitConverter.ToUInt16(b, (int)entry + 2);
                var aux = entry + BitConverter.ToUInt32(b, (int)entry + 8);
                for (var j = 0; j < count; j++)
                {
                    var name = ReadString(b, strtab + BitConverter.ToUInt32(b, (int)aux + 8));
                    if (name == version)
                    {
                        var flags = BitConverter.ToUInt16(b, (int)aux + 4);
                        if ((flags & VerFlgWeak) != 0) return "already weak";
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, (int)aux + 4);
                        found = true;
                    }
                    aux += BitConverter.ToUInt32(b, (int)aux + 12);
                }
                var next = BitConverter.ToUInt32(b, (int)entry + 12);
                if (next == 0) break;
                entry += next;
            }
            return found ? "patched" : "version not needed";
        }
        return "no version needs";
    }

    private static string ReadString(byte[] b, long start)
    {
        var end = start;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)start, (int)(end - start));
    }
}
