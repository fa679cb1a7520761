using System.Diagnostics;
using System.Text;

namespace Dashboard.Tests.Support;

/// <summary>
/// Dashboard.Web's built dll (Release) as a real OS process: a second dashboard, or the backup/restore commands.
/// Output is collected; every wait has a deadline and reports what the process printed.
/// </summary>
public sealed class WebProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();

    private WebProcess(string databasePath, IReadOnlyList<string> args)
    {
        var dll = Path.Combine(RepoRoot, "Dashboard.Web", "bin", "Release", "net10.0", "Dashboard.Web.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: run `dotnet build Dashboard.sln -c Release` first.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["Storage__DatabasePath"] = databasePath;
        start.Environment["Dataset__AllowDownload"] = "false";
        start.Environment["Dataset__Directory"] = Path.Combine(Path.GetDirectoryName(databasePath)!, "fashion-mnist");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, e) => { lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A dashboard on <paramref name="databasePath"/>, on a free loopback port.</summary>
    public static WebProcess Dashboard(string databasePath) => new(databasePath, ["--urls", "http://127.0.0.1:0"]);

    /// <summary>`backup FILE` or `restore FILE` against <paramref name="databasePath"/>.</summary>
    public static WebProcess Command(string databasePath, string command, string file) => new(databasePath, [command, file]);

    public int Id => _process.Id;

    public string Output { get { lock (_stdout) return _stdout.ToString(); } }

    public string Errors { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The exit code, or a failure with what the process printed if it is still running at the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The process did not exit within {timeout}. Output: {Output} Errors: {Errors}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing with the output after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before {what}. Output: {Output} Errors: {Errors}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up waiting for {what} after {timeout}. Output: {Output} Errors: {Errors}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Dashboard.sln above {AppContext.BaseDirectory}.");
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
