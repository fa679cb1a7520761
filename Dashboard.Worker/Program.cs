using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Worker;

/// <summary>A training worker: a Hangfire server that takes runs from PostgreSQL (docs/decisions/0020).</summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        // Defaults live in the options classes. The project ships no appsettings.json: Dashboard.Tests references it,
        // and its file would replace the dashboard's in the tests' output. One beside the dll is read if present.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddDashboardWorker();
        using var host = builder.Build();
        await host.RunAsync();
    }
}
