using Dashboard.Web.Audit;
using Dashboard.Web.Operations;
using Dashboard.Web.Security;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Accounts;

/// <summary>
/// `users …`: manage accounts from the dashboard's machine, with the dashboard stopped (it holds the database).
/// This is how the first admin is made; later ones can also be made on the Users page. Passwords come from
/// the environment variable <see cref="PasswordVariable"/> or a prompt that does not echo, never the command line
/// (which other users of the machine can read in the process list).
/// </summary>
public static class UsersCommand
{
    public const string PasswordVariable = "DASHBOARD_PASSWORD";

    public const string Usage =
        "Usage: Dashboard.Web users add NAME [--role Viewer|Member|Admin] | list | role NAME ROLE | password NAME | disable NAME | enable NAME\n" +
        $"  The password is read from ${PasswordVariable}, or asked for when it is unset.";

    public static int Run(string[] args, string database)
    {
        using var own = DatabaseLock.TryAcquire(database, out var holder);
        if (own is null)
        {
            Console.Error.WriteLine($"The database {database} is in use by a running dashboard{(holder is null ? "" : $" (process id {holder.ProcessId})")}. " +
                "Stop it to change users here, or use the Users page as an admin. Nothing was changed.");
            return 3;
        }
        RunStore.EnsureLiteDbOrNew(database);
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = database }), NullLogger<RunStore>.Instance);
        var accounts = new AccountService(new UserStore(store), Options.Create(new AccessOptions()), TimeProvider.System);
        var audit = new AuditLog(store, TimeProvider.System, NullLogger<AuditLog>.Instance);
        var actor = $"{Environment.UserName}@console";
        var (error, done, action, target) = args switch
        {
            ["list"] => (null, List(accounts), null, null),
            ["add", var name, .. var rest] => Add(accounts, name, rest),
            ["role", var name, var role] => Enum.TryParse<Role>(role, ignoreCase: true, out var r) && Enum.IsDefined(r)
                ? (accounts.SetRole(name, r), $"{name} is now {r}.", AuditActions.UserRole, name)
                : ($"Unknown role “{role}”: Viewer, Member or Admin.", null, null, null),
            ["password", var name] => ReadPassword() is { } p
                ? (accounts.SetPassword(name, p), $"The password of {name} is changed; their sessions have ended.", AuditActions.UserPassword, name)
                : ("The passwords did not match; nothing was changed.", null, null, null),
            ["disable", var name] => (accounts.SetDisabled(name, true), $"{name} is disabled.", AuditActions.UserDisable, name),
            ["enable", var name] => (accounts.SetDisabled(name, false), $"{name} is enabled.", AuditActions.UserEnable, name),
            _ => (Usage, null, null, null),
        };
        if (error is not null)
        {
            Console.Error.WriteLine(error);
            return 1;
        }
        if (action is not null) audit.Record(actor, action, target ?? "", "from the command line");
        Console.WriteLine(done);
        return 0;
    }

    private static (string? Error, string? Done, string? Action, string? Target) Add(AccountService accounts, string name, string[] rest)
    {
        var role = Role.Member;
        if (rest is ["--role", var r] && !(Enum.TryParse(r, ignoreCase: true, out role) && Enum.IsDefined(role)))
            return ($"Unknown role “{r}”: Viewer, Member or Admin.", null, null, null);
        if (rest is not ([] or ["--role", _])) return (Usage, null, null, null);
        if (AccountService.NameError(name) is { } nameError) return (nameError, null, null, null);
        if (ReadPassword() is not { } password) return ("The passwords did not match; nothing was changed.", null, null, null);
        return (accounts.Add(name, role, password), $"Added {name} as {role}.", AuditActions.UserAdd, name);
    }

    private static string List(AccountService accounts)
    {
        var users = accounts.List();
        if (users.Count == 0) return "No users yet. Add the first admin: users add NAME --role Admin";
        return string.Join('\n', users.Select(u =>
            $"{u.Name,-24} {u.Role,-7} {accounts.StatusOf(u).ToString().ToLowerInvariant(),-9} last sign-in {u.LastSignInUtc?.ToString("u") ?? "never"}"));
    }

    private static string? ReadPassword()
    {
        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment) return fromEnvironment;
        var first = Prompt("Password: ");
        return first == Prompt("Again: ") ? first : null;
    }

    private static string Prompt(string label)
    {
        Console.Write(label);
        if (Console.IsInputRedirected) return Console.ReadLine() ?? "";
        var text = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.WriteLine();
        return text.ToString();
    }
}
