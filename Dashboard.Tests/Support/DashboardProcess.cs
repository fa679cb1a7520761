using System.Text.RegularExpressions;

namespace Dashboard.Tests.Support;

/// <summary>
/// The real dashboard as a separate OS process (<c>dotnet Dashboard.Web.dll</c> from the build output), on a free
/// port of 127.0.0.1 with its own LiteDB file, so that tests can stop it the way an operator or a crash does:
/// SIGTERM (a graceful host stop) or SIGKILL. Settings are passed as environment variables (Storage__DatabasePath...).
/// Also runs a second dashboard that should be refused, and the backup/restore commands.
/// </summary>
public sealed partial class DashboardProcess : IAsyncDisposable
{
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChildProcess _process = null!;

    private DashboardProcess()
    {
    }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>http://127.0.0.1:port/, known once <see cref="StartAsync"/> returns.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public string DataDirectory { get; private init; } = "";

    public string DatabasePath { get; private init; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output => _process.Output;

    /// <summary>What the process wrote to stderr so far (also in <see cref="Output"/>).</summary>
    public string Errors => _process.Errors;

    /// <summary>
    /// Starts the dashboard on <paramref name="dataDirectory"/> and waits until it answers HTTP, or fails after
    /// <paramref name="readyTimeout"/> (default 60 s) with what it printed.
    /// </summary>
    public static async Task<DashboardProcess> StartAsync(string dataDirectory, IDictionary<string, string?>? settings = null, TimeSpan? readyTimeout = null)
    {
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(60);
        var dashboard = Launch(dataDirectory, dataDirectory, ["--urls", "http://127.0.0.1:0"], settings);
        try
        {
            var listening = await Task.WhenAny(dashboard._listening.Task, dashboard._process.WhenExited()).WaitAsync(timeout);
            if (listening != dashboard._listening.Task)
                throw new InvalidOperationException($"The dashboard exited (code {dashboard._process.ExitCode}) before it listened. It printed:\n{dashboard.Output}");
            dashboard.BaseAddress = await dashboard._listening.Task;
            await dashboard.WaitForHttpAsync(timeout);
        }
        catch (TimeoutException)
        {
            await dashboard.DisposeAsync();
            throw new TimeoutException($"The dashboard did not answer HTTP within {timeout}. It printed:\n{dashboard.Output}");
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
        return dashboard;
    }

    /// <summary>
    /// Starts a dashboard on <paramref name="databasePath"/> without waiting for it to listen: for one that is
    /// expected to refuse to start, or whose start the test watches itself.
    /// </summary>
    public static DashboardProcess Launch(string databasePath) =>
        Launch(Path.GetDirectoryName(databasePath)!, Path.GetDirectoryName(databasePath)!, ["--urls", "http://127.0.0.1:0"], DatabaseSetting(databasePath));

    /// <summary>`backup FILE` or `restore FILE` against <paramref name="databasePath"/>; wait with <see cref="WaitForExitAsync"/>.</summary>
    public static DashboardProcess Command(string databasePath, string command, string file) =>
        // The database's folder may not exist yet (restore creates it), so the command runs beside the dll.
        Launch(Path.GetDirectoryName(databasePath)!, Path.GetDirectoryName(WebDll())!, [command, file], DatabaseSetting(databasePath));

    private static Dictionary<string, string?> DatabaseSetting(string databasePath) => new() { ["Storage__DatabasePath"] = databasePath };

    private static DashboardProcess Launch(string dataDirectory, string workingDirectory, IReadOnlyList<string> args, IDictionary<string, string?>? settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Storage__DatabasePath"] = Path.Combine(dataDirectory, "dashboard.db"),
            // The real data set from Debian's package; never downloaded in tests.
            ["Dataset__Directory"] = Path.Combine(dataDirectory, "fashion-mnist"),
            ["Dataset__SystemDirectories__0"] = RealData.SystemDirectory,
            ["Dataset__AllowDownload"] = "false",
            // Kestrel prints its address at Information level, which a test environment may have turned down.
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;
        var dashboard = new DashboardProcess { DataDirectory = dataDirectory, DatabasePath = environment["Storage__DatabasePath"]! };
        dashboard._process = ChildProcess.Start("the dashboard", WebDll(), args, environment, workingDirectory, dashboard.OnLine);
        return dashboard;
    }

    /// <summary>Dashboard.Web.dll of the same configuration as these tests, built by <c>dotnet build Dashboard.sln</c>.</summary>
    public static string WebDll() => ChildProcess.ProjectDll("Dashboard.Web");

    /// <summary>A project's dll of the same configuration as these tests (Dashboard.Web, Dashboard.Worker), built with them.</summary>
    public static string ProjectDll(string project) => ChildProcess.ProjectDll(project);

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends SIGTERM, which the host treats as a graceful stop (like Ctrl+C or systemd's stop).</summary>
    public void Terminate() => _process.Signal("TERM");

    /// <summary>Sends SIGKILL: the process ends at once, as in a crash or an out-of-memory kill.</summary>
    public void Kill() => _process.Signal("KILL");

    /// <summary>Waits for the process to end and returns its exit code, or fails after <paramref name="timeout"/>.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>Waits until <paramref name="condition"/> holds, failing with the output after <paramref name="timeout"/>.</summary>
    public Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) => _process.WaitUntilAsync(condition, timeout, what);

    private async Task WaitForHttpAsync(TimeSpan timeout)
    {
        using var http = CreateHttpClient();
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("api/runs?take=1");
                if (response.IsSuccessStatusCode) return;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            if (_process.HasExited) throw new InvalidOperationException($"The dashboard exited (code {_process.ExitCode}). It printed:\n{Output}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"GET /api/runs did not succeed in time; last: {last}.");
    }

    private void OnLine(string line)
    {
        if (ListeningLine().Match(line) is { Success: true } match) _listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>Kills the process if it still runs.</summary>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
