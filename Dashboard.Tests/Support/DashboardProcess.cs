using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Dashboard.Tests.Support;

/// <summary>
/// The real dashboard as a separate OS process (<c>dotnet Dashboard.Web.dll</c> from the build output), on a free
/// port of 127.0.0.1 with its own LiteDB file, so that tests can stop it the way an operator or a crash does:
/// SIGTERM (a graceful host stop) or SIGKILL. Settings are passed as environment variables (Storage__DatabasePath...).
/// </summary>
public sealed partial class DashboardProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DashboardProcess(Process process) => _process = process;

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>http://127.0.0.1:port/, known once <see cref="StartAsync"/> returns.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public string DataDirectory { get; private init; } = "";

    public string DatabasePath => Path.Combine(DataDirectory, "dashboard.db");

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>
    /// Starts the dashboard on <paramref name="dataDirectory"/> and waits until it answers HTTP, or fails after
    /// <paramref name="readyTimeout"/> (default 60 s) with what it printed.
    /// </summary>
    public static async Task<DashboardProcess> StartAsync(string dataDirectory, IDictionary<string, string?>? settings = null, TimeSpan? readyTimeout = null)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        info.ArgumentList.Add(WebDll());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
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

        var dashboard = new DashboardProcess(new Process { StartInfo = info, EnableRaisingEvents = true }) { DataDirectory = dataDirectory };
        dashboard._process.OutputDataReceived += (_, e) => dashboard.Append(e.Data);
        dashboard._process.ErrorDataReceived += (_, e) => dashboard.Append(e.Data);
        dashboard._process.Exited += (_, _) => dashboard._listening.TrySetException(
            new InvalidOperationException($"The dashboard exited (code {dashboard._process.ExitCode}) before it listened. It printed:\n{dashboard.Output}"));
        dashboard._process.Start();
        dashboard._process.BeginOutputReadLine();
        dashboard._process.BeginErrorReadLine();
        try
        {
            dashboard.BaseAddress = await dashboard._listening.Task.WaitAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
            await dashboard.WaitForHttpAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await dashboard.DisposeAsync();
            throw new TimeoutException($"The dashboard did not answer HTTP within {readyTimeout ?? TimeSpan.FromSeconds(60)}. It printed:\n{dashboard.Output}");
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
        return dashboard;
    }

    /// <summary>Dashboard.Web.dll of the same configuration as these tests, built by <c>dotnet build Dashboard.sln</c>.</summary>
    public static string WebDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name; // net10.0
        var configuration = testOutput.Parent!.Name; // Release or Debug
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Dashboard.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "Dashboard.Web", "bin", configuration, framework, "Dashboard.Web.dll");
            if (File.Exists(dll)) return dll;
            throw new FileNotFoundException($"{dll} is missing: build it first with `dotnet build Dashboard.sln -c {configuration}`.", dll);
        }
        throw new DirectoryNotFoundException($"No Dashboard.sln above {testOutput.FullName}, so Dashboard.Web's build output cannot be found.");
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
        return _process.ExitCode;
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

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
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
