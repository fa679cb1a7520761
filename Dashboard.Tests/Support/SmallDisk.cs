using System.Diagnostics;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Support;

/// <summary>
/// A real file system of a few MB (tmpfs) mounted on a directory, to fill up for full-disk tests. Needs root (or
/// CAP_SYS_ADMIN), as the tests and CI run here; without it <see cref="Mount"/> fails with what to do, never skips.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public static SmallDisk Mount(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"`mount -t tmpfs -o size={megabytes}m tmpfs {path}` failed (exit {code}: {output.Trim()}). This test fills a small real disk, " +
                "so it must run as root or with CAP_SYS_ADMIN (docker run --cap-add SYS_ADMIN, or --privileged).");
        }
        return new SmallDisk(path);
    }

    /// <summary>A dashboard whose database alone is on this disk; its data set folder is under <paramref name="elsewhere"/>.</summary>
    public DashboardApp StartDashboard(string elsewhere, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Dataset:Directory"] = System.IO.Path.Combine(elsewhere, "fashion-mnist"),
        };
        return new(Path, all);
    }

    /// <summary>Writes <paramref name="name"/> until the disk has no room left (to the last 4 KB page); returns its path.</summary>
    public string Fill(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        var block = new byte[1 << 20];
        Array.Fill(block, (byte)0xA5);
        // Unbuffered: each write reaches the file system, so ENOSPC shows here and not at dispose.
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var size = block.Length; size >= 4096; size /= 2)
        {
            try
            {
                while (true) stream.Write(block, 0, size);
            }
            catch (IOException e) when (DiskFullException.IsDiskFull(e))
            {
                // Try the next smaller size, down to one page.
            }
        }
        if (FreeBytes >= 4096) throw new InvalidOperationException($"{Path} still has {FreeBytes} bytes free after filling it.");
        return path;
    }

    public void Dispose()
    {
        var (code, output) = Run("umount", Path);
        // Something may still hold a file open (a test that failed half-way): detach it all the same.
        if (code != 0) (code, output) = Run("umount", "-l", Path);
        if (code != 0) throw new InvalidOperationException($"umount {Path} failed: {output}");
    }

    private static (int Code, string Output) Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000)) process.Kill();
        return (process.ExitCode, output);
    }
}
