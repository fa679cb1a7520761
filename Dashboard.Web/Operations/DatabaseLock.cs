using System.Text.Json;

namespace Dashboard.Web.Operations;

/// <summary>
/// Keeps a second dashboard process off a database file: LiteDB 5 does not lock its file on Linux and two
/// processes corrupted it (docs/decisions/0005). An exclusive <see cref="FileShare.None"/> stream on
/// <c>FILE.lock</c> is an flock(2) lock, which the kernel drops when the holder dies, even by kill -9.
/// Such a file cannot be read by anyone else, so the holder's pid and addresses go to <c>FILE.owner</c>,
/// which only counts while the lock is held (docs/decisions/0015-lock-backup-retention.md).
/// </summary>
public sealed class DatabaseLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _ownerPath;
    private LockOwner _owner;

    private DatabaseLock(string databasePath, FileStream lockStream)
    {
        DatabasePath = databasePath;
        _lock = lockStream;
        _ownerPath = OwnerPath(databasePath);
        _owner = new LockOwner(Environment.ProcessId, DateTime.UtcNow, []);
        WriteOwner();
    }

    public string DatabasePath { get; }

    public static string LockPath(string databasePath) => databasePath + ".lock";

    public static string OwnerPath(string databasePath) => databasePath + ".owner";

    /// <summary>Takes the lock of <paramref name="databasePath"/>, or throws naming the process that holds it.</summary>
    /// <exception cref="DatabaseLockedException">Another process (or another app in this one) holds it.</exception>
    public static DatabaseLock Acquire(string databasePath) =>
        TryAcquire(databasePath, out var owner) ?? throw new DatabaseLockedException(Path.GetFullPath(databasePath), owner);

    /// <summary>The lock, or null with the holder as far as its owner file tells (null if it has not written it yet).</summary>
    public static DatabaseLock? TryAcquire(string databasePath, out LockOwner? holder)
    {
        var path = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            var stream = new FileStream(LockPath(path), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            holder = null;
            return new DatabaseLock(path, stream);
        }
        catch (IOException)
        {
            holder = ReadOwner(path);
            return null;
        }
    }

    /// <summary>Records where the holder listens, for `backup` to ask it for a snapshot.</summary>
    public void PublishAddresses(IEnumerable<string> addresses)
    {
        _owner = _owner with { Addresses = addresses.ToList() };
        WriteOwner();
    }

    private void WriteOwner()
    {
        var temp = _ownerPath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(_owner));
        File.Move(temp, _ownerPath, overwrite: true);
    }

    private static LockOwner? ReadOwner(string databasePath)
    {
        try
        {
            return JsonSerializer.Deserialize<LockOwner>(File.ReadAllText(OwnerPath(databasePath)));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        // Owner file first: once the lock is released another process may write its own.
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
        }
        _lock.Dispose();
    }
}

/// <summary>Who holds a database: process id, since when, and the URLs it listens on (empty until it has started).</summary>
public sealed record LockOwner(int ProcessId, DateTime SinceUtc, IReadOnlyList<string> Addresses);

/// <summary>Another process holds the database's lock.</summary>
public sealed class DatabaseLockedException(string databasePath, LockOwner? owner) : Exception(
    $"The database {databasePath} is in use by another dashboard " +
    (owner is null ? "(its process id is not known yet; it is starting)" : $"(process id {owner.ProcessId}, since {owner.SinceUtc:u})") +
    ". One process per database: stop that one first, or point Storage:DatabasePath at another file.")
{
    public string DatabasePath { get; } = databasePath;

    public LockOwner? Owner { get; } = owner;
}
