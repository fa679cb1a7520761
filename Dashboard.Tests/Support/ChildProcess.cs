using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dashboard.Tests.Support;

/// <summary>
/// A project of this repository (Dashboard.Web, Dashboard.Worker) run from its build output as a child OS process,
/// configured through environment variables: what it prints is kept for failure messages, every wait has a deadline
/// and says what it saw, signals go through <c>kill</c>, and disposing kills it if it still runs. Used by
/// the tests' <c>DashboardProcess</c> and <c>WorkerProcess</c> and the benchmarks' launchers.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable, IDisposable
{
    // Enough for any test's assertions; a long benchmark's chatty process keeps its latest output only.
    private const int KeptCharacters = 4_000_000;
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _errors = new();
    private readonly Action<string>? _onLine;

    private ChildProcess(string name, Process process, Action<string>? onLine)
    {
        Name = name;
        _process = process;
        _onLine = onLine;
    }

    /// <summary>What failure messages call it: "the dashboard", "worker worker-a".</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>What the process wrote to stderr so far (also in <see cref="Output"/>).</summary>
    public string Errors
    {
        get
        {
            lock (_output) return _errors.ToString();
        }
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> with <paramref name="environment"/> over this
    /// process's own; <paramref name="onLine"/> sees each line as it is printed.
    /// </summary>
    public static ChildProcess Start(string name, string dll, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string?>> environment,
        string? workingDirectory = null, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var child = new ChildProcess(name, new Process { StartInfo = info }, onLine);
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data, error: false);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data, error: true);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>A project's dll of the same configuration as the running assembly (Release or Debug), built with the solution.</summary>
    public static string ProjectDll(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name; // net10.0
        var configuration = output.Parent!.Name; // Release or Debug
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Dashboard.sln"))) continue;
            var dll = Path.Combine(dir.FullName, project, "bin", configuration, framework, project + ".dll");
            if (File.Exists(dll)) return dll;
            throw new FileNotFoundException($"{dll} is missing: build it first with `dotnet build Dashboard.sln -c {configuration}`.", dll);
        }
        throw new DirectoryNotFoundException($"No Dashboard.sln above {output.FullName}, so {project}'s build output cannot be found.");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing with the output if the process exits or <paramref name="timeout"/> passes.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancel = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Capitalised} exited ({_process.ExitCode}) before {what}. It printed:\n{Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting until {what}. {Capitalised} printed:\n{Tail()}");
            await Task.Delay(100, cancel);
        }
    }

    /// <summary>Completes when the process has exited.</summary>
    public Task WhenExited() => _process.WaitForExitAsync();

    /// <summary>Waits for the process to end and returns its exit code, or fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Capitalised} (pid {Id}) still ran {timeout.TotalSeconds:F0} s later. It printed:\n{Tail()}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>Sends a signal by name (TERM: a graceful host stop; KILL: as a crash or an out-of-memory kill).</summary>
    public void Signal(string signal)
    {
        if (_process.HasExited) return;
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0 && !_process.HasExited) throw new InvalidOperationException($"kill -{signal} {Id} ({Name}) failed with exit code {kill.ExitCode}.");
    }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        Signal("KILL");
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Capitalised} (pid {Id}) still ran 10 s after kill -KILL.");
        }
    }

    /// <summary>The last <paramref name="characters"/> of the output, for failure messages.</summary>
    public string Tail(int characters = 4000)
    {
        var text = Output;
        return text.Length <= characters ? text : "…" + text[^characters..];
    }

    /// <summary>The last <paramref name="lines"/> lines of the output.</summary>
    public string TailLines(int lines) => string.Join('\n', Output.Split('\n').TakeLast(lines + 1)).TrimEnd();

    private string Capitalised => char.ToUpperInvariant(Name[0]) + Name[1..];

    private void Append(string? line, bool error)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (error) _errors.AppendLine(line);
            if (_output.Length > KeptCharacters) _output.Remove(0, _output.Length - KeptCharacters / 2);
            if (_errors.Length > KeptCharacters) _errors.Remove(0, _errors.Length - KeptCharacters / 2);
        }
        _onLine?.Invoke(line);
    }

    /// <summary>Kills the process and its children if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
