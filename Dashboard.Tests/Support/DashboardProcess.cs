using System.Diagnostics;
using System.Text;
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
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _errors = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DashboardProcess(Process process) => _process = process;

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>http://127.0.0.1:port/, known once <see cref="StartAsync"/> returns.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public string DataDirectory { get; private init; } = "";

    public string DatabasePath { get; private init; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far (for failure messages).</summary>
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
    /// Starts the dashboard on <paramref name="dataDirectory"/> and waits until it answers HTTP, or fails after
    /// <paramref name="readyTimeout"/> (default 60 s) with what it printed.
    /// </summary>
    public static async Task<DashboardProcess> StartAsync(string dataDirectory, IDictionary<string, string?>? settings = null, TimeSpan? readyTimeout = null)
    {
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(60);
        var dashboard = Launch(dataDirectory, dataDirectory, ["--urls", "http://127.0.0.1:0"], settings);
        try
        {
            var exited = dashboard._process.WaitForExitAsync();
            if (await Task.WhenAny(dashboard._listening.Task, exited).WaitAsync(timeout) == exited)
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
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(WebDll());
        foreach (var arg in args) info.ArgumentList.Add(arg);
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
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var dashboard = new DashboardProcess(new Process { StartInfo = info })
        {
            DataDirectory = dataDirectory,
            DatabasePath = environment["Storage__DatabasePath"]!,
        };
        dashboard._process.OutputDataReceived += (_, e) => dashboard.Append(e.Data, error: false);
        dashboard._process.ErrorDataReceived += (_, e) => dashboard.Append(e.Data, error: true);
        dashboard._process.Start();
        dashboard._process.BeginOutputReadLine();
        dashboard._process.BeginErrorReadLine();
        return dashboard;
    }

    /// <summary>Dashboard.Web.dll of the same configuration as these tests, built by <c>dotnet build Dashboard.sln</c>.</summary>
    public static string WebDll() => ProjectDll("Dashboard.Web");

    /// <summary>A project's dll of the same configuration as these tests (Dashboard.Web, Dashboard.Worker), built with them.</summary>
    public static string ProjectDll(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name; // net10.0
        var configuration = testOutput.Parent!.Name; // Release or Debug
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Dashboard.sln"))) continue;
            var dll = Path.Combine(dir.FullName, project, "bin", configuration, framework, project + ".dll");
            if (File.Exists(dll)) return dll;
            throw new FileNotFoundException($"{dll} is missing: build it first with `dotnet build Dashboard.sln -c {configuration}`.", dll);
        }
        throw new DirectoryNotFoundException($"No Dashboard.sln above {testOutput.FullName}, so {project}'s build output cannot be found.");
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends SIGTERM, which the host treats as a graceful stop (like Ctrl+C or systemd's stop).</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Sends SIGKILL: the process ends at once, as in a crash or an out-of-memory kill.</summary>
    public void Kill() => Signal("KILL");

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
            throw new TimeoutException($"The dashboard (pid {Id}) was still running {timeout.TotalSeconds:F0} s later. Its last output:\n{Tail(Output)}");
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
            if (_process.HasExited) throw new InvalidOperationException($"The dashboard exited ({_process.ExitCode}) before {what}. It printed:\n{Tail(Output)}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up waiting for {what} after {timeout}. The dashboard printed:\n{Tail(Output)}");
            await Task.Delay(100);
        }
    }

    private void Signal(string signal)
    {
        if (_process.HasExited) return;
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0 && !_process.HasExited) throw new InvalidOperationException($"kill -{signal} {Id} failed with exit code {kill.ExitCode}.");
    }

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

    private void Append(string? line, bool error)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (error) _errors.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } match) _listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>Kills the process if it still runs.</summary>
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
