using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Accounts;

/// <summary>Users in the "users" collection of the runs' database (one file holds everything the dashboard keeps).</summary>
public sealed class UserStore
{
    private const string Collection = "users";
    private readonly RunStore _runs;

    public UserStore(RunStore runs)
    {
        _runs = runs;
        Write(users => users.EnsureIndex(u => u.NameKey, unique: true));
    }

    // Asked for at each use: the run store reopens the database after a write fails on a full disk.
    private ILiteCollection<UserAccount> Users => _runs.GetCollection<UserAccount>(Collection);

    // Through the store's rule for writes: one transaction under its write lock, so a check and the write it guards
    // cannot interleave with another, and on a full disk nothing is kept and DiskFullException is thrown.
    private T Write<T>(Func<ILiteCollection<UserAccount>, T> work) => _runs.WriteTo(Collection, work);

    public IReadOnlyList<UserAccount> List() => Users.FindAll().OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public int Count() => Users.Count();

    public UserAccount? Find(string name) => Users.FindOne(Query.EQ(nameof(UserAccount.NameKey), Key(name)));

    public static string Key(string name) => name.ToLowerInvariant();

    /// <summary>Adds <paramref name="user"/> unless a user of that name (in any case) exists; false then.</summary>
    public bool TryAdd(UserAccount user) => Write(users =>
    {
        if (users.FindOne(Query.EQ(nameof(UserAccount.NameKey), Key(user.Name))) is not null) return false;
        users.Insert(user with { NameKey = Key(user.Name) });
        return true;
    });

    /// <summary>Applies <paramref name="change"/> to the named user and stores it; null when there is no such user.</summary>
    public UserAccount? Update(string name, Func<UserAccount, UserAccount> change) => Write(users =>
    {
        if (users.FindOne(Query.EQ(nameof(UserAccount.NameKey), Key(name))) is not { } user) return null;
        var changed = change(user) with { Id = user.Id, Name = user.Name, NameKey = user.NameKey };
        users.Update(changed);
        return changed;
    });
}
