using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Bench.Harness;

namespace Dashboard.Bench;

/// <summary>
/// load: many concurrent launches against a small queue (each must be answered: 201, or a 4xx with problem
/// details; never a 5xx or a timeout), then many SignalR watchers on one live run (each must receive every
/// epoch event within 1 s of the epoch's stored EndedUtc). Loopback only; bounded in count and time.
/// </summary>
internal static class LoadBench
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxEpochLatency = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(Arguments a)
    {
        var launches = a.Int("launches") ?? 200;
        var watchers = a.Int("watchers") ?? 50;
        var capacity = a.Int("queue-capacity") ?? 50;
        var epochs = a.Int("epochs") ?? 5;
        var subset = a.Int("train-subset") ?? 2000;
        var violations = new List<string>();
        var dir = Directory.CreateTempSubdirectory("dashboard-load-").FullName;
        try
        {
            using var web = DashboardProcess.Start(new DashboardProcess.Settings(Path.Combine(dir, "dashboard.db"), Path.Combine(dir, "fashion-mnist"))
            {
                // A small queue, so that the launches also meet the "queue full" answer.
                Extra = { ["Training__QueueCapacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
            using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = RequestTimeout };
            await web.WaitUntilUpAsync(http);
            Console.WriteLine($"load: {launches} concurrent launches (queue capacity {capacity}), then {watchers} watchers on a {epochs}-epoch run of {subset} images");
            await LaunchStormAsync(http, launches, violations);
            await WatchersAsync(web, http, watchers, epochs, subset, violations);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Console.WriteLine(violations.Count == 0 ? "PASS: every property held" : $"FAIL: {violations.Count} violation(s)");
        foreach (var v in violations.Take(50)) Console.WriteLine($"  violation: {v}");
        return violations.Count == 0 ? 0 : 1;
    }

    private sealed record Answer(int Status, bool Problem, string Detail, double Ms, Guid? RunId);

    private static async Task LaunchStormAsync(HttpClient http, int launches, List<string> violations)
    {
        var config = new { epochs = 1, batchSize = 128, trainSubset = 256, threads = 2 };
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, launches).Select(async i =>
        {
            var started = clock.Elapsed;
            try
            {
                using var response = await http.PostAsJsonAsync("api/runs", new { config, name = $"load {i}" });
                var body = await response.Content.ReadAsStringAsync();
                var ms = (clock.Elapsed - started).TotalMilliseconds;
                var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
                Guid? id = response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid() : null;
                return new Answer((int)response.StatusCode, problem, problem ? ProblemText(body) : "", ms, id);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new Answer(0, false, e.Message, (clock.Elapsed - started).TotalMilliseconds, null);
            }
        }));
        var wall = clock.Elapsed.TotalSeconds;
        foreach (var group in answers.GroupBy(x => (x.Status, x.Problem)).OrderBy(g => g.Key.Status))
            Console.WriteLine($"  {group.Count(),4} × {(group.Key.Status == 0 ? "no answer" : group.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}{(group.Key.Problem ? " problem+json" : "")}{(group.First().Detail is { Length: > 0 } d ? $" (\"{d}\")" : "")}");
        RunsPageBenchPrint("  launch answer time", answers.Select(x => x.Ms).ToList());
        Console.WriteLine($"  all {launches} answered in {wall:F1} s");
        foreach (var x in answers)
        {
            if (x.Status == 0) violations.Add($"a launch got no answer within {RequestTimeout.TotalSeconds:F0} s: {x.Detail}");
            else if (x.Status >= 500) violations.Add($"a launch answered {x.Status}");
            else if (x.Status != 201 && !(x.Status is >= 400 and < 500 && x.Problem)) violations.Add($"a launch answered {x.Status} without problem details");
        }

        // Stop quickly: cancel every created run, then delete it (a running one once its cancel has landed).
        var cleanup = Stopwatch.StartNew();
        var created = answers.Where(x => x.RunId is not null).Select(x => x.RunId!.Value).ToList();
        var cleanupStatuses = await Task.WhenAll(created.Select(async id =>
        {
            using var cancel = await http.PostAsync($"api/runs/{id}/cancel", null);
            for (var attempt = 0; attempt < 300; attempt++)
            {
                using var delete = await http.DeleteAsync($"api/runs/{id}");
                if (delete.StatusCode != System.Net.HttpStatusCode.Conflict) return ((int)cancel.StatusCode, (int)delete.StatusCode);
                await Task.Delay(100); // still running: its cancel takes effect within a batch
            }
            return ((int)cancel.StatusCode, 409);
        }));
        foreach (var (cancel, delete) in cleanupStatuses)
        {
            if (cancel >= 500 || delete >= 500) violations.Add($"cleanup answered cancel {cancel}, delete {delete}");
            else if (delete != 204) violations.Add($"a created run could not be deleted (answer {delete})");
        }
        var left = (await DashboardApi.ListAsync(http)).Count;
        Console.WriteLine($"  cancelled and deleted {created.Count} runs in {cleanup.Elapsed.TotalSeconds:F1} s; runs left: {left}");
        if (left != 0) violations.Add($"{left} run(s) left after the cleanup");
    }

    private static string ProblemText(string body)
    {
        var root = JsonDocument.Parse(body).RootElement;
        if (root.TryGetProperty("errors", out var errors))
            return string.Join("; ", errors.EnumerateObject().SelectMany(p => p.Value.EnumerateArray().Select(v => v.GetString())));
        return root.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : root.GetProperty("title").GetString() ?? "";
    }

    private static async Task WatchersAsync(DashboardProcess web, HttpClient http, int count, int epochs, int subset, List<string> violations)
    {
        var hubs = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => HubWatcher.ConnectAsync(web.BaseAddress)));
        try
        {
            var id = await LaunchWatchedAsync(http, epochs, subset, violations);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
            DashboardApi.RunState? run;
            while ((run = await DashboardApi.GetRunAsync(http, id)) is { Status: "Queued" or "Running" } && DateTime.UtcNow < deadline)
                await Task.Delay(250);
            if (run?.Status != "Completed")
            {
                violations.Add($"the watched run ended {run?.Status ?? "missing"}: {run?.StatusReason}");
                return;
            }
            await Task.Delay(MaxEpochLatency); // events still on their way count only if within the bound
            var stored = (await DashboardApi.GetRunJsonAsync(http, id)).GetProperty("epochs").EnumerateArray()
                .ToDictionary(e => e.GetProperty("epoch").GetInt32(), e => e.GetProperty("endedUtc").GetDateTime().ToUniversalTime());
            var latencies = new List<double>();
            for (var w = 0; w < hubs.Length; w++)
            {
                var received = hubs[w].Events.Where(e => e.Kind == "EpochCompleted" && e.RunId == id).ToList();
                foreach (var (epoch, ended) in stored.OrderBy(p => p.Key))
                {
                    var arrivals = received.Where(e => e.Epoch == epoch).ToList();
                    if (arrivals.Count != 1) { violations.Add($"watcher {w} got epoch {epoch}'s event {arrivals.Count} times"); continue; }
                    var ms = (arrivals[0].ReceivedUtc - ended).TotalMilliseconds;
                    latencies.Add(ms);
                    if (ms > MaxEpochLatency.TotalMilliseconds) violations.Add($"watcher {w} got epoch {epoch}'s event {ms:F0} ms after it ended");
                }
            }
            Console.WriteLine($"  watched run: {stored.Count} epochs, {count} watchers, {latencies.Count} of {stored.Count * count} epoch events arrived");
            if (latencies.Count > 0) RunsPageBenchPrint("  epoch end → watcher", latencies);
        }
        finally
        {
            foreach (var hub in hubs) await hub.DisposeAsync();
        }
    }

    /// <summary>
    /// Launches the watched run. Right after the cleanup the queue may still refuse it: deleted runs keep their
    /// slots until the service reaches them. Retried for up to a minute, and the wait is reported.
    /// </summary>
    private static async Task<Guid> LaunchWatchedAsync(HttpClient http, int epochs, int subset, List<string> violations)
    {
        var clock = Stopwatch.StartNew();
        var refusals = 0;
        while (true)
        {
            using var response = await http.PostAsJsonAsync("api/runs", new { config = new { epochs, batchSize = 128, trainSubset = subset, threads = 2 }, name = "watched" });
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                if (refusals > 0)
                    Console.WriteLine($"  after the cleanup (0 runs stored) a launch was refused {refusals} time(s) as \"queue full\" for {clock.Elapsed.TotalSeconds:F1} s");
                return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
            }
            if ((int)response.StatusCode >= 500 || clock.Elapsed > TimeSpan.FromMinutes(1))
            {
                violations.Add($"the watched run could not be launched: {(int)response.StatusCode} {body}");
                throw new InvalidOperationException($"The watched run could not be launched: {(int)response.StatusCode} {body}");
            }
            refusals++;
            await Task.Delay(200);
        }
    }

    private static void RunsPageBenchPrint(string name, List<double> times)
    {
        times.Sort();
        Console.WriteLine($"{name}: median {times[times.Count / 2]:F1} ms, max {times[^1]:F1} ms (n={times.Count})");
    }
}
