using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Operations;

/// <summary>
/// `backup FILE` and `restore FILE`, run instead of the web host (Program.cs dispatches here first).
/// They read Storage:DatabasePath from the same configuration as the dashboard. Output goes to the
/// console because it is a command's answer to the person who typed it.
/// </summary>
public static class DashboardCommands
{
    /// <summary>The environment variable holding an admin's API token, for `backup` from a dashboard in Accounts mode.</summary>
    public const string TokenVariable = "DASHBOARD_TOKEN";

    private const string Usage = "Usage: Dashboard.Web backup FILE | restore FILE | users …  (Storage:DatabasePath names the database)";

    /// <summary>The exit code of the command that <paramref name="args"/> name, or null when they name none (start the dashboard).</summary>
    public static int? TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("backup" or "restore" or "users")) return null;
        if (args[0] == "users") return Accounts.UsersCommand.Run(args[1..], DatabasePath(WebApplication.CreateBuilder([]).Configuration));
        if (args.Length < 2 || args[1].StartsWith('-'))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        // The dashboard's own configuration sources (appsettings, environment, command line), nothing else started.
        var configuration = WebApplication.CreateBuilder(args[2..]).Configuration;
        var database = DatabasePath(configuration);
        var file = Path.GetFullPath(args[1]);
        try
        {
            var message = args[0] == "backup" ? BackupAsync(database, file).GetAwaiter().GetResult() : Restore(database, file);
            Console.WriteLine(message);
            return 0;
        }
        catch (CommandFailedException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    private static string DatabasePath(IConfiguration configuration) =>
        Path.GetFullPath((configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions()).DatabasePath);

    /// <summary>Writes a consistent copy of <paramref name="database"/> to <paramref name="file"/>, asking the running dashboard if there is one.</summary>
    public static async Task<string> BackupAsync(string database, string file)
    {
        if (string.Equals(database, file, StringComparison.Ordinal)) throw new CommandFailedException("The backup file cannot be the database itself.");
        using (var own = DatabaseLock.TryAcquire(database, out var holder))
        {
            if (own is null) return await BackupFromRunningAsync(database, file, holder);
            if (!File.Exists(database)) throw new CommandFailedException($"There is no database at {database}: nothing to back up.");
            try
            {
                RunStore.EnsureLiteDbOrNew(database);
                using var db = new LiteDatabase(new ConnectionString { Filename = database, Connection = ConnectionType.Direct });
                // This process holds the lock: nothing else writes, so writes need no pause.
                var summary = DatabaseSnapshot.Write(db, file, write => write());
                return $"Backed up {summary} from {database} to {file}.";
            }
            catch (Exception e) when (e is LiteException or InvalidOperationException or InvalidDataException or IOException)
            {
                throw new CommandFailedException($"The backup of {database} failed: {e.Message}");
            }
        }
    }

    private static async Task<string> BackupFromRunningAsync(string database, string file, LockOwner? holder)
    {
        if (holder is null || OwnerAddress(holder) is not { } address)
            throw new CommandFailedException(
                $"The database {database} is in use by a dashboard{(holder is null ? "" : $" (process id {holder.ProcessId})")} that is still starting; try again in a few seconds.");
        var partial = file + ".download";
        using var http = new HttpClient(new HttpClientHandler
        {
            // Loopback only: the dashboard's own (development) certificate need not be trusted here.
            ServerCertificateCustomValidationCallback = (_, _, _, _) => true,
        }) { BaseAddress = address, Timeout = TimeSpan.FromHours(1) };
        // In Accounts mode the snapshot (every run, user and token hash) is an admin's: say who with an API token.
        if (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.GetAsync(OperationsApi.BackupPath, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
                throw new CommandFailedException(
                    $"The dashboard (process id {holder.ProcessId}) runs with accounts and refused the backup ({(int)response.StatusCode}): " +
                    $"set {TokenVariable} to an admin's API token (made on the Tokens page) and run the command again.");
            if (!response.IsSuccessStatusCode)
                throw new CommandFailedException($"The dashboard (process id {holder.ProcessId}) refused the backup: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await using (var output = File.Create(partial))
                await response.Content.CopyToAsync(output);
            var summary = DatabaseSnapshot.Validate(partial);
            File.Move(partial, file, overwrite: true);
            return $"Backed up {summary} from the running dashboard (process id {holder.ProcessId}, {database}) to {file}.";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidDataException or IOException)
        {
            File.Delete(partial);
            throw new CommandFailedException($"The backup through the running dashboard (process id {holder.ProcessId}, {address}) failed: {e.Message}");
        }
    }

    /// <summary>An address of the holder to reach from this machine: a wildcard host becomes loopback; http is preferred.</summary>
    internal static Uri? OwnerAddress(LockOwner holder) =>
        holder.Addresses
            .Select(a => a.Replace("://+:", "://127.0.0.1:").Replace("://*:", "://127.0.0.1:").Replace("://0.0.0.0:", "://127.0.0.1:").Replace("://[::]:", "://[::1]:"))
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .OrderBy(u => u.Scheme == Uri.UriSchemeHttp ? 0 : 1)
            .FirstOrDefault();

    /// <summary>Replaces <paramref name="database"/> with a validated <paramref name="file"/>, keeping the replaced one aside.</summary>
    public static string Restore(string database, string file)
    {
        using var own = DatabaseLock.TryAcquire(database, out var holder)
            ?? throw new CommandFailedException(
                $"Refusing to restore: the database {database} is in use by a running dashboard" +
                $"{(holder is null ? "" : $" (process id {holder.ProcessId})")}. Stop it first; nothing was changed.");
        if (string.Equals(database, file, StringComparison.Ordinal)) throw new CommandFailedException("The backup file is the database itself; nothing was changed.");
        SnapshotSummary summary;
        try
        {
            summary = DatabaseSnapshot.Validate(file);
        }
        catch (InvalidDataException e)
        {
            throw new CommandFailedException($"Refusing to restore: {e.Message} Nothing was changed.");
        }
        // Copied beside the database first, so a failed copy (a full disk) leaves the database as it was.
        var incoming = database + ".restoring";
        try
        {
            File.Copy(file, incoming, overwrite: true);
        }
        catch (IOException e)
        {
            File.Delete(incoming);
            throw new CommandFailedException($"Refusing to restore: copying {file} beside the database failed ({e.Message}). Nothing was changed.");
        }
        var aside = SetAside(database);
        File.Move(incoming, database);
        return $"Restored {summary} from {file} into {database}." +
               (aside is null ? "" : $" The database it replaced is kept at {aside}.");
    }

    /// <summary>Moves the database (and its write-ahead log) to NAME.before-restore; null if there was none.</summary>
    private static string? SetAside(string database)
    {
        var log = RunStore.LogFile(database);
        if (!File.Exists(database))
        {
            File.Delete(log);
            return null;
        }
        var aside = database + ".before-restore";
        if (File.Exists(aside)) aside += "-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        File.Move(database, aside);
        if (File.Exists(log)) File.Move(log, RunStore.LogFile(aside));
        return aside;
    }
}

/// <summary>A command stopped with a message for the person who ran it.</summary>
public sealed class CommandFailedException(string message) : Exception(message);
