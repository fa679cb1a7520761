if (Dashboard.Web.Operations.DashboardCommands.TryRun(args) is { } exitCode) return exitCode;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDashboardWeb();

var app = builder.Build();
try
{
    app.MapDashboardWeb();
}
catch (Dashboard.Web.Operations.DatabaseLockedException e)
{
    // A second dashboard on the same file would corrupt it: stop before opening it.
    Console.Error.WriteLine(e.Message);
    return 3;
}
app.Run();
return 0;

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
