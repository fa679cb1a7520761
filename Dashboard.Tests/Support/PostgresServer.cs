using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace Dashboard.Tests.Support;

/// <summary>
/// A real PostgreSQL server of its own, from Debian's binaries (<c>/usr/lib/postgresql/VERSION/bin</c>, package
/// <c>postgresql</c>), in a temporary directory: <c>initdb</c> with trust authentication, then <c>pg_ctl</c> on a free
/// port of 127.0.0.1 (its socket in the same directory), and one database, <see cref="Database"/>.
/// </summary>
/// <remarks>
/// initdb and postgres refuse to run as root. When the tests are root (as CI is), the server runs as the
/// <c>postgres</c> user that the package creates (<c>nobody</c> if there is none) through <c>runuser</c>, on a
/// directory chowned to it. docs/decisions/0020-hangfire-postgresql-workers.md.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string Database = "dashboard", User = "dash";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory, _bin;
    private readonly string? _runAs;

    private PostgresServer(string directory, string bin, string? runAs)
    {
        _directory = directory;
        _bin = bin;
        _runAs = runAs;
    }

    public int Port { get; private set; }

    /// <summary>Connects over TCP as <see cref="User"/> to <see cref="Database"/>, without a password (trust).</summary>
    public string ConnectionString => ConnectionStringFor(Database);

    private string DataDirectory => Path.Combine(_directory, "data");

    private string LogFile => Path.Combine(_directory, "server.log");

    /// <summary>
    /// initdb, start, create the database; about 2 s here. Fails with what the tools said. <paramref name="port"/>: the
    /// port to listen on (one that a process under test already points at), else a free one.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(int? port = null)
    {
        var bin = FindBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "dashboard-postgres-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var server = new PostgresServer(directory, bin, IsRoot() ? UnprivilegedUser() : null);
        try
        {
            if (server._runAs is { } user) await RunAsync("chown", ["-R", $"{user}:", directory], "chown of the server's directory");
            await server.RunToolAsync("initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", User, "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]);
            if (port is { } given)
            {
                server.Port = given;
                await server.StartServerAsync();
            }
            else
            {
                await server.StartOnFreePortAsync();
            }
            await using (var connection = new NpgsqlConnection(server.ConnectionStringFor("postgres")))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
                await create.ExecuteNonQueryAsync();
            }
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops the server and starts it again on the same data directory and port. <paramref name="immediate"/>: stopped
    /// as in a crash (no shutdown checkpoint, recovery at start); otherwise the clean stop of a service restart.
    /// </summary>
    public async Task RestartAsync(bool immediate = true)
    {
        await StopAsync(immediate ? "immediate" : "fast");
        // This process's pooled connections died with the server; the processes under test must cope by themselves.
        NpgsqlConnection.ClearAllPools();
        await StartServerAsync();
    }

    /// <summary>Stops the server (a clean, fast stop) until <see cref="StartAgainAsync"/>; its data and port are kept.</summary>
    public async Task StopAsync()
    {
        await StopAsync("fast");
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Starts the server stopped by <see cref="StopAsync()"/> again, on the same data directory and port.</summary>
    public Task StartAgainAsync() => StartServerAsync();

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The end of the server's log, for failure messages.</summary>
    public string LogTail()
    {
        try
        {
            var text = File.ReadAllText(LogFile);
            return text.Length <= 3000 ? text : "…" + text[^3000..];
        }
        catch (IOException e)
        {
            return $"(no server log: {e.Message})";
        }
    }

    private string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database, Timeout = 10 }.ConnectionString;

    private async Task StartOnFreePortAsync()
    {
        // A free port can be taken between the probe and the server's bind; another one is tried then.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                await StartServerAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && LogTail().Contains("could not bind", StringComparison.Ordinal))
            {
            }
        }
    }

    private async Task StartServerAsync()
    {
        // pg_ctl -w waits until the server accepts connections (at most -t seconds) and fails with its log otherwise.
        await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "30",
            "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);
        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(30));
    }

    private async Task StopAsync(string mode) => await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", mode, "-w", "-t", "30", "stop"]);

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string last;
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException e)
            {
                last = e.Message;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"PostgreSQL on 127.0.0.1:{Port} did not accept a connection within {timeout.TotalSeconds:F0} s; last: {last}. Its log:\n{LogTail()}");
            await Task.Delay(100);
        }
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> args)
    {
        var path = Path.Combine(_bin, tool);
        return _runAs is { } user
            ? RunAsync("runuser", ["-u", user, "--", path, .. args], $"{tool} (as {user})", LogTail)
            : RunAsync(path, args, tool, LogTail);
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, string what, Func<string>? log = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{what} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} was still running after {CommandTimeout.TotalSeconds:F0} s: {file} {string.Join(' ', args)}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{what} failed with exit code {process.ExitCode}: {file} {string.Join(' ', args)}\n{await output}{await errors}" +
                (log is null ? "" : $"\nServer log:\n{log()}"));
        }
    }

    /// <summary>The newest installed server's bin directory, or a failure that says how to install one.</summary>
    private static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Bin, "initdb")) && File.Exists(Path.Combine(d.Bin, "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Bin)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            $"PostgreSQL's server programs are missing (no {root}/VERSION/bin/initdb and pg_ctl). Install them with `apt-get install -y postgresql` (.ci/run does).");
    }

    private static string UnprivilegedUser() =>
        File.ReadLines("/etc/passwd").Any(line => line.StartsWith("postgres:", StringComparison.Ordinal)) ? "postgres" : "nobody";

    private static bool IsRoot() => geteuid() == 0;

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();

    /// <summary>A port of 127.0.0.1 that nothing listens on when this returns.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the server at once and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await StopAsync("immediate");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                KillPostmaster();
            }
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The last resort when pg_ctl could not stop it: the postmaster's pid is the first line of postmaster.pid.</summary>
    private void KillPostmaster()
    {
        try
        {
            if (int.TryParse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault(), out var pid))
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
