namespace Dashboard.Tests.Support;

/// <summary>
/// A real training worker as a separate OS process (<c>dotnet Dashboard.Worker.dll</c> from the build output of the
/// same configuration), configured through environment variables, so that a test can kill it with SIGKILL mid-job.
/// Also the workers benchmark's launcher (compiled into Dashboard.Bench as it is).
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable, IDisposable
{
    /// <summary>What Hangfire logs once the server has announced itself and every worker thread is fetching.</summary>
    private const string ServingLine = "all the dispatchers started";

    private readonly ChildProcess _process;

    private WorkerProcess(string name, ChildProcess process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>How the worker's jobs name it (<c>ProbeJob.Identity</c>): its name and process id.</summary>
    public string Identity => $"{Name}:{Id}";

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts a worker named <paramref name="name"/>; <paramref name="settings"/> are configuration keys in environment form (Worker__Slots).</summary>
    public static WorkerProcess Start(string name, IReadOnlyDictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Worker__Name"] = name,
            // What a worker machine runs, whatever the test process's environment says.
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings) environment[key] = value;
        return new WorkerProcess(name, ChildProcess.Start($"worker {name}", ChildProcess.ProjectDll("Dashboard.Worker"), [], environment));
    }

    /// <summary>Waits until the Hangfire server fetches jobs, failing with the output if it exits or <paramref name="timeout"/> passes.</summary>
    public Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken cancel = default) =>
        _process.WaitUntilAsync(() => Output.Contains(ServingLine, StringComparison.Ordinal), timeout, $"worker {Name} serves its queues", cancel);

    public Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) => _process.WaitUntilAsync(condition, timeout, what);

    /// <summary>Waits for the worker to end by itself and returns its exit code, or fails after <paramref name="timeout"/>.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>SIGKILL: the worker ends at once, as in a crash or an out-of-memory kill, and waits for that.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>The end of the output, for failure messages: the last 4,000 characters, or the last <paramref name="lines"/> lines.</summary>
    public string Tail(int? lines = null) => lines is { } n ? _process.TailLines(n) : _process.Tail();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    public void Dispose() => _process.Dispose();
}
