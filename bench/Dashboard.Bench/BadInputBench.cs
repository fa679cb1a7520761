using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Bench;

/// <summary>
/// Issue 11's harness: the real dashboard on a Kestrel loopback port with two tiny trained runs, then every
/// malformed request of <see cref="BadInputCatalog"/> and the hub probes. Each answer must be a 4xx with problem
/// details, and the store (every run document, artifact and study) must be byte-for-byte what it was.
/// </summary>
internal static class BadInputBench
{
    // Any type of Dashboard.Web names its entry assembly; the bench has a Program of its own.
    private sealed class Dashboard : WebApplicationFactory<global::Dashboard.Web.Hubs.TrainingHub>
    {
        private readonly string _dir;

        public Dashboard(string dir)
        {
            _dir = dir;
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            StartServer();
            BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        }

        public Uri BaseAddress { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Storage:DatabasePath", Path.Combine(_dir, "dashboard.db"));
            builder.UseSetting("Dataset:Directory", Path.Combine(_dir, "fashion-mnist"));
            builder.UseSetting("Dataset:SystemDirectories:0", TrainBench.FindData());
            builder.UseSetting("Dataset:AllowDownload", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }

    public static async Task<int> RunAsync(Arguments a)
    {
        var dir = Directory.CreateTempSubdirectory("dashboard-bad-input-").FullName;
        try
        {
            await using var app = new Dashboard(dir);
            using var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
            var runs = app.Services.GetRequiredService<RunStore>();
            var studies = app.Services.GetRequiredService<StudyStore>();
            var targets = new BadInputTargets(await TrainAsync(http, runs, 7), await TrainAsync(http, runs, 8));

            var before = StoreFingerprint.Take(runs, studies);
            var cases = BadInputCatalog.Build(app.Services.GetRequiredService<EndpointDataSource>().Endpoints, targets);
            var clock = Stopwatch.StartNew();
            var outcomes = await BadInputRunner.SendAsync(http, cases);
            outcomes.AddRange(await BadInputRunner.SendToHubAsync(app.BaseAddress));
            clock.Stop();
            var changes = StoreFingerprint.Differences(before, StoreFingerprint.Take(runs, studies));

            Print(outcomes, changes, before.Count, clock.Elapsed);
            if (a.String("json") is { } path) await WriteJsonAsync(path, outcomes, changes, clock.Elapsed);
            return outcomes.Any(o => o.Violation is not null) || changes.Count > 0 ? 1 : 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A 1-epoch run on 1,000 images through the API, waited for with a deadline.</summary>
    private static async Task<Guid> TrainAsync(HttpClient http, RunStore runs, int seed)
    {
        var created = await http.PostAsJsonAsync("api/runs", new { name = $"bad-input target {seed}", config = new { epochs = 1, batchSize = 128, trainSubset = 1000, threads = 1, seed } });
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"Could not create a target run: {await created.Content.ReadAsStringAsync()}");
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (runs.Get(id) is { IsFinished: false } && DateTime.UtcNow < deadline) await Task.Delay(100);
        var run = runs.Get(id);
        if (run?.Status != RunStatus.Completed)
            throw new InvalidOperationException($"Target run {id} did not complete within 5 min: it is {run?.Status} ({run?.StatusReason}).");
        return id;
    }

    private static void Print(List<BadOutcome> outcomes, List<string> changes, int fingerprints, TimeSpan elapsed)
    {
        Console.WriteLine($"{"endpoint",-44} {"requests",8} {"4xx+problem",11} {"violations",10} {"statuses",-22} {"median ms",9} {"max ms",8}");
        foreach (var g in outcomes.GroupBy(o => o.Case.Endpoint))
        {
            var ms = g.Select(o => o.Milliseconds).Order().ToList();
            var statuses = string.Join(" ", g.GroupBy(o => o.Status).OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Count()}"));
            Console.WriteLine($"{g.Key,-44} {g.Count(),8} {g.Count(o => o.Violation is null),11} {g.Count(o => o.Violation is not null),10} {statuses,-22} {ms[ms.Count / 2],9:F1} {ms[^1],8:F1}");
        }
        var violations = outcomes.Where(o => o.Violation is not null).ToList();
        foreach (var v in violations)
            Console.WriteLine($"VIOLATION {v.Case.Method} /{v.Case.Path[..Math.Min(v.Case.Path.Length, 80)]} [{v.Case.Kind}]: {v.Violation}: {v.Detail}");
        foreach (var change in changes) Console.WriteLine($"STORE CHANGED {change}");
        foreach (var big in outcomes.Where(o => o.Case.Kind == BadInputCatalog.MegabyteList))
            Console.WriteLine($"{BadInputCatalog.MegabyteList} ({big.Case.Body!.Length / 1e6:F2} MB) to {big.Case.Endpoint}: {big.Status} in {big.Milliseconds:F1} ms");
        Console.WriteLine($"{outcomes.Count} malformed requests in {elapsed.TotalSeconds:F1} s across {outcomes.Select(o => o.Case.Endpoint).Distinct().Count()} endpoints: " +
            $"{outcomes.Count - violations.Count} answered 4xx with problem details, {violations.Count} violations, " +
            $"{outcomes.Count(o => o.Status >= 500)} server errors; store: {fingerprints} fingerprints, {changes.Count} changed.");
        var cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() : null;
        Console.WriteLine($"machine: {cpu ?? RuntimeInformation.OSArchitecture.ToString()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    }

    private static async Task WriteJsonAsync(string path, List<BadOutcome> outcomes, List<string> changes, TimeSpan elapsed)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, new
        {
            date = DateTime.UtcNow,
            requests = outcomes.Count,
            violations = outcomes.Count(o => o.Violation is not null),
            serverErrors = outcomes.Count(o => o.Status >= 500),
            storeChanges = changes,
            seconds = elapsed.TotalSeconds,
            outcomes = outcomes.Select(o => new { o.Case.Endpoint, o.Case.Kind, o.Case.Method, o.Status, o.MediaType, o.Detail, o.Milliseconds, o.Violation }),
        }, new JsonSerializerOptions { WriteIndented = true });
    }
}
