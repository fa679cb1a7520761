using System.Collections.Concurrent;
using System.Diagnostics;

namespace Dashboard.Bench.Harness;

/// <summary>
/// A real training worker (the Release build of Dashboard.Worker) as a child OS process, configured through
/// environment variables. The benchmark's counterpart of Dashboard.Tests/Support/WorkerProcess.cs (which finds
/// its dll beside the tests' own build output, so it cannot be shared as it is).
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    /// <summary>What Hangfire logs once the server has announced itself and every worker thread is fetching.</summary>
    private const string ServingLine = "all the dispatchers started";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private WorkerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>Starts a worker named <paramref name="name"/>; <paramref name="settings"/> are configuration keys in environment form (Worker__Slots).</summary>
    public static WorkerProcess Start(string name, IReadOnlyDictionary<string, string> settings)
    {
        var info = new ProcessStartInfo("dotnet", [DashboardProcess.FindProjectDll("Dashboard.Worker")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["Worker__Name"] = name;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("Dashboard.Worker did not start.");
        var worker = new WorkerProcess(name, process);
        process.OutputDataReceived += (_, e) => worker.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits until its Hangfire server fetches jobs; fails with the output if it exits or <paramref name="timeout"/> passes.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_output.Any(line => line.Contains(ServingLine, StringComparison.Ordinal)))
        {
            if (_process.HasExited) throw new InvalidOperationException($"Worker {Name} exited ({_process.ExitCode}) before it served its queues. It printed:\n{Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Worker {Name} did not serve its queues within {timeout.TotalSeconds:F0} s. It printed:\n{Tail()}");
            await Task.Delay(100, cancel);
        }
    }

    public bool HasExited => _process.HasExited;

    public string Tail(int lines = 30) => string.Join('\n', _output.TakeLast(lines));

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 2000) _output.TryDequeue(out _);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        _process.Dispose();
    }
}
