using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dashboard.Tests.Support;

/// <summary>
/// A real training worker as a separate OS process (<c>dotnet Dashboard.Worker.dll</c> from the build output, found
/// like <see cref="DashboardProcess"/> finds the dashboard), configured through environment variables, so that a
/// test can kill it with SIGKILL mid-job.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    /// <summary>What Hangfire logs once the server has announced itself and every worker thread is fetching.</summary>
    private const string ServingLine = "all the dispatchers started";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>How the worker's jobs name it (<c>ProbeJob.Identity</c>): its name and process id.</summary>
    public string Identity => $"{Name}:{Id}";

    /// <summary>Everything the process wrote so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts a worker named <paramref name="name"/>; <paramref name="settings"/> are configuration keys in environment form (Worker__Slots).</summary>
    public static WorkerProcess Start(string name, IDictionary<string, string> settings)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DashboardProcess.ProjectDll("Dashboard.Worker"));
        info.Environment["Worker__Name"] = name;
        // What a worker machine runs, whatever the test process's environment says.
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings) info.Environment[key] = value;

        var worker = new WorkerProcess(name, new Process { StartInfo = info });
        worker._process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.Start();
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits until the Hangfire server fetches jobs, failing with the output if it exits or <paramref name="timeout"/> passes.</summary>
    public Task WaitUntilServingAsync(TimeSpan timeout) => WaitUntilAsync(() => Output.Contains(ServingLine, StringComparison.Ordinal), timeout, "it serves its queues");

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"Worker {Name} exited ({_process.ExitCode}) before {what}. It printed:\n{Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting until worker {Name} {what}. It printed:\n{Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the worker to end by itself and returns its exit code, or fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Worker {Name} (pid {Id}) still ran {timeout.TotalSeconds:F0} s later. It printed:\n{Tail()}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the worker ends at once, as in a crash or an out-of-memory kill, and waits for that.</summary>
    public async Task KillAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Worker {Name} (pid {Id}) still ran 10 s after kill -KILL (exit code of kill: {kill.ExitCode}).");
        }
    }

    public string Tail()
    {
        var text = Output;
        return text.Length <= 4000 ? text : "…" + text[^4000..];
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

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
}
