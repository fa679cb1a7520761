using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Worker;

/// <summary>A training worker: a Hangfire server that takes runs from PostgreSQL (docs/decisions/0019).</summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        // appsettings.json sits beside the dll, wherever the worker is started from.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddDashboardWorker();
        using var host = builder.Build();
        await host.RunAsync();
    }
}
