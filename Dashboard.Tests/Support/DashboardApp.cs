using System.Net;
using Dashboard.Web.Events;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Support;

/// <summary>
/// The real dashboard on a real Kestrel port on 127.0.0.1, with its own LiteDB file. Dispose and create
/// another on the same <see cref="DataDirectory"/> to simulate a restart (with the same <c>port</c> when processes
/// outside the test, such as workers, hold its address).
/// </summary>
public sealed class DashboardApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    /// <summary>Starts the app on <paramref name="dataDirectory"/> with <paramref name="settings"/> over the test defaults, on loopback <paramref name="port"/> (0 takes a free one).</summary>
    public DashboardApp(string dataDirectory, IDictionary<string, string?>? settings = null, int port = 0)
    {
        DataDirectory = dataDirectory;
        _settings = new Dictionary<string, string?>
        {
            ["Storage:DatabasePath"] = Path.Combine(dataDirectory, "dashboard.db"),
            // The real data set from Debian's package; never downloaded in tests.
            ["Dataset:Directory"] = Path.Combine(dataDirectory, "fashion-mnist"),
            ["Dataset:SystemDirectories:0"] = RealData.SystemDirectory,
            ["Dataset:AllowDownload"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
        UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        StartServer();
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public string DataDirectory { get; }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    public RunStore Store => Services.GetRequiredService<RunStore>();

    public TrainingService Training => Services.GetRequiredService<TrainingService>();

    public RunNotifier Notifier => Services.GetRequiredService<RunNotifier>();

    /// <summary>An HttpClient to the Kestrel port.</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>
    /// Stops the app and returns only once it has let go of its database. Program.cs's <c>app.Run()</c> disposes the
    /// host on the app's own thread when it stops, racing the factory's dispose; the loser returns at once while the
    /// winner is still disposing services, so without this wait a restart on the same file was refused and the owner
    /// file was still there (DatabaseLockTests failed this way under load).
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await WaitUntilDatabaseIsReleasedAsync(_settings["Storage:DatabasePath"]!, TimeSpan.FromSeconds(30));
    }

    private static async Task WaitUntilDatabaseIsReleasedAsync(string databasePath, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        LockOwner? holder;
        do
        {
            using (var probe = DatabaseLock.TryAcquire(databasePath, out holder))
            {
                if (probe is not null) return;
            }
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"The disposed app still held {databasePath} after {timeout.TotalSeconds:0} s (owner file: {holder?.ToString() ?? "none"}).");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    /// <summary>Waits until the run reaches a finished status, or fails after <paramref name="timeout"/>.</summary>
    public async Task<Run> WaitForFinishAsync(Guid id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (DateTime.UtcNow < deadline)
        {
            var run = Store.Get(id) ?? throw new InvalidOperationException($"Run {id} disappeared.");
            if (run.IsFinished) return run;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Run {id} did not finish in time; it is {Store.Get(id)?.Status}.");
    }
}
