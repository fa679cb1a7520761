using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Bench.Harness;

namespace Dashboard.Bench;

/// <summary>
/// How long an epoch's metrics take to reach a browser's chart: the dashboard runs as its own process,
/// a headless Chromium watches a run's page, and each new point on the accuracy chart is timed against
/// the moment the trainer finished that epoch (<c>EpochMetrics.EndedUtc</c>; same machine, same clock).
/// </summary>
internal static class EpochLatencyBench
{
    public static async Task<int> RunAsync(Arguments a)
    {
        var epochs = a.Int("epochs") ?? 8;
        var subset = a.Int("train-subset") ?? 4000;
        var dir = Directory.CreateTempSubdirectory("dashboard-latency-bench-").FullName;
        await using var dashboard = await DashboardInBrowser.StartAsync(Path.Combine(dir, "dashboard.db"));
        var (baseUrl, http, browser) = (dashboard.BaseUrl, dashboard.Http, dashboard.Browser);
        // A first run warms the data set and the JIT, so the measured run's first epoch is not special.
        var warm = await LaunchAsync(http, 1, 1000);
        await WaitForStatusAsync(http, warm, "Completed");

        var id = await LaunchAsync(http, epochs, subset);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{baseUrl}runs/{id}");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        // Record the wall-clock time at which the chart's point count changes.
        await page.EvaluateAsync("""
            () => {
              window.__arrivals = [];
              const chart = document.querySelector('[data-testid=chart-accuracy]');
              new MutationObserver(() => window.__arrivals.push({ points: Number(chart.dataset.points), at: Date.now() }))
                .observe(chart, { attributes: true, attributeFilter: ['data-points'] });
            }
            """);
        var startPoints = int.Parse(await page.GetByTestId("chart-accuracy").GetAttributeAsync("data-points") ?? "0");
        await WaitForStatusAsync(http, id, "Completed");
        await page.WaitForFunctionAsync($"() => Number(document.querySelector('[data-testid=chart-accuracy]').dataset.points) === {epochs}");

        var arrivals = (await page.EvaluateAsync<JsonElement>("() => window.__arrivals")).EnumerateArray()
            .Select(e => (Points: e.GetProperty("points").GetInt32(), At: DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("at").GetInt64()).UtcDateTime))
            .ToList();
        var run = await http.GetFromJsonAsync<JsonElement>($"api/runs/{id}");
        var latencies = new List<double>();
        foreach (var epoch in run.GetProperty("epochs").EnumerateArray())
        {
            var number = epoch.GetProperty("epoch").GetInt32();
            if (number <= startPoints) continue; // already on the page when it opened: not pushed
            var ended = epoch.GetProperty("endedUtc").GetDateTime().ToUniversalTime();
            var arrival = arrivals.FirstOrDefault(x => x.Points >= number);
            if (arrival == default) continue;
            var ms = (arrival.At - ended).TotalMilliseconds;
            latencies.Add(ms);
            Console.WriteLine($"epoch {number}: on the chart {ms:F0} ms after it ended");
        }
        if (latencies.Count == 0)
        {
            Console.Error.WriteLine("No epoch arrived while the page was open.");
            return 1;
        }
        RunsPageBench.Print($"epoch end → browser chart over {latencies.Count} epochs", latencies);
        await dashboard.DisposeAsync();
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static async Task<Guid> LaunchAsync(HttpClient http, int epochs, int subset)
    {
        var response = await http.PostAsJsonAsync("api/runs", new { config = new { epochs, batchSize = 128, trainSubset = subset, threads = 2 }, name = $"latency e{epochs}" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task WaitForStatusAsync(HttpClient http, Guid id, string status)
    {
        for (var i = 0; i < 6000; i++)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"api/runs/{id}");
            var now = run.GetProperty("status").GetString();
            if (now == status) return;
            if (now is "Failed" or "Cancelled" or "Diverged") throw new InvalidOperationException($"Run {id} ended {now}: {run.GetProperty("statusReason")}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"Run {id} did not reach {status}.");
    }
}
