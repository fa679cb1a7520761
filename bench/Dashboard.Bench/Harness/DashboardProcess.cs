using System.Net;
using System.Net.Sockets;
using Dashboard.Tests.Support;

namespace Dashboard.Bench.Harness;

/// <summary>
/// The real dashboard as a child OS process (the Release build of Dashboard.Web), on a free loopback
/// port, with its own database and data set settings. <see cref="Kill"/> is a SIGKILL: nothing in the
/// dashboard gets to run after it, as after a power cut or an OOM kill.
/// </summary>
public sealed class DashboardProcess : IDisposable
{
    private readonly ChildProcess _process;

    private DashboardProcess(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => _process.Output;

    /// <summary>The settings of a dashboard on one database and one data set directory.</summary>
    public sealed record Settings(string DatabasePath, string DatasetDirectory, string SystemDatasetDirectory = DefaultSystemDataset)
    {
        public Dictionary<string, string> Extra { get; init; } = [];
    }

    public const string DefaultSystemDataset = "/usr/share/datasets/fashion-mnist";

    public static DashboardProcess Start(Settings settings)
    {
        var dll = FindWebDll();
        var port = FreePort();
        var environment = new Dictionary<string, string?>
        {
            ["Storage__DatabasePath"] = settings.DatabasePath,
            ["Dataset__Directory"] = settings.DatasetDirectory,
            ["Dataset__SystemDirectories__0"] = settings.SystemDatasetDirectory,
            ["Dataset__AllowDownload"] = "false",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in settings.Extra) environment[key] = value;
        // The content root is the web project's own output folder.
        return new DashboardProcess(ChildProcess.Start("the dashboard", dll, ["--urls", $"http://127.0.0.1:{port}"], environment, Path.GetDirectoryName(dll)), port);
    }

    /// <summary>Waits until the API answers; fails with the process output if it exits or does not answer within <paramref name="timeout"/>.</summary>
    public async Task WaitUntilUpAsync(HttpClient http, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The dashboard exited with code {_process.ExitCode} before it answered. Output:\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "api/models"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The dashboard on port {Port} did not answer within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds:F0} s. Output:\n{Tail()}");
    }

    /// <summary>Waits for the process to exit by itself (a refused start); false if it still runs after <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        try
        {
            _process.WaitForExitAsync(timeout).GetAwaiter().GetResult();
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether a thread of the process has this name (Linux: /proc/PID/task/*/comm, cut to 15 characters).
    /// The dashboard names the threads of its torch work ("data set load"), which shows its phase from outside.
    /// </summary>
    public bool HasThread(string name)
    {
        var shown = name.Length > 15 ? name[..15] : name;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{Id}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == shown) return true;
                }
                catch (IOException)
                {
                    // The thread ended while being read.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        return false;
    }

    public string Tail(int lines = 40) => _process.TailLines(lines);

    /// <summary>SIGKILL, then waits until the process is gone so its port and database file are free.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.KillAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>Dashboard.Web/bin/Release/net10.0/Dashboard.Web.dll of the repository this program was built from.</summary>
    public static string FindWebDll() => ChildProcess.ProjectDll("Dashboard.Web");

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
