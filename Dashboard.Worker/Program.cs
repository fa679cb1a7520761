using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
        // Every report is a request: the HTTP client's per-request lines would drown the worker's own.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        using var host = builder.Build();
        await host.RunAsync();
    }
}
