using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Security;

/// <summary>The Users page's rules, through the service the page calls.</summary>
[Collection(TrainingCollection.Name)]
public sealed class UserAdministrationTests
{
    [Fact]
    public async Task TheLastEnabledAdminCannotBeDemotedOrDisabled()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("ann", Role.Admin);
        var users = app.Services.GetRequiredService<UserAdministration>();
        var ann = new Actor("ann", Role.Admin);

        Assert.Contains("last enabled admin", users.SetRole(ann, "ann", Role.Member));
        Assert.Contains("last enabled admin", users.SetDisabled(ann, "ann", true));
        Assert.Equal(Role.Admin, app.Services.GetRequiredService<AccountService>().Current("ann")!.Role);

        Assert.Null(users.Add(ann, "dora", Role.Admin, Accounts.Password));
        Assert.Null(users.SetDisabled(ann, "dora", true));
        Assert.Contains("last enabled admin", users.SetRole(ann, "ann", Role.Member)); // a disabled admin does not count
        Assert.Null(users.SetDisabled(ann, "dora", false));
        Assert.Null(users.SetRole(ann, "ann", Role.Member));

        var actions = app.Services.GetRequiredService<AuditLog>().Query(0, 10, "ann").Items.Select(e => e.Action);
        Assert.Equal([AuditActions.UserRole, AuditActions.UserEnable, AuditActions.UserDisable, AuditActions.UserAdd], actions);
    }

    [Fact]
    public async Task OnlyAnAdminAsStoredNowChangesUsers()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("ann", Role.Admin).WithUser("bob", Role.Admin);
        var users = app.Services.GetRequiredService<UserAdministration>();

        Assert.NotNull(users.Add(new Actor("carol", Role.Member), "eve", Role.Admin, Accounts.Password));
        // bob's open page still says Admin, but ann demoted him meanwhile.
        Assert.Null(users.SetRole(new Actor("ann", Role.Admin), "bob", Role.Viewer));
        Assert.Equal("Only an admin manages users.", users.Add(new Actor("bob", Role.Admin), "eve", Role.Admin, Accounts.Password));
        Assert.DoesNotContain(users.List(), u => u.Name == "eve");
    }

    [Fact]
    public async Task UnlockEndsALockout()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode(("Access:MaxFailedSignIns", "2")));
        app.WithUser("ann", Role.Admin).WithUser("bob", Role.Member);
        var accounts = app.Services.GetRequiredService<AccountService>();
        accounts.SignIn("bob", "wrong-password-1");
        accounts.SignIn("bob", "wrong-password-2");
        var users = app.Services.GetRequiredService<UserAdministration>();
        Assert.Equal(UserStatus.Locked, users.StatusOf(users.List().Single(u => u.Name == "bob")));
        Assert.False(accounts.SignIn("bob", Accounts.Password).Succeeded);

        Assert.Null(users.Unlock(new Actor("ann", Role.Admin), "bob"));
        Assert.Equal(UserStatus.Active, users.StatusOf(users.List().Single(u => u.Name == "bob")));
        Assert.True(accounts.SignIn("bob", Accounts.Password).Succeeded);
    }
}
