using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Web.Storage;
using Dashboard.Web.Torch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace Dashboard.Tests.Memory;

/// <summary>The limit on torch work as the API meets it, on a real Kestrel app with its own LiteDB file.</summary>
public sealed class TorchWorkApiTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Run StoreCompletedRun(RunStore store)
    {
        TorchRuntime.Initialize();
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = "stored",
            Config = new TrainingConfig(),
            Status = RunStatus.Completed,
            CreatedUtc = DateTime.UtcNow,
            HasWeights = true,
        };
        store.InsertMany([run]);
        manual_seed(1);
        using var model = new SeedCnn();
        store.SaveWeights(run.Id, ModelWeights.Save(model));
        return run;
    }

    [Fact]
    public async Task WhenTheLimitAndItsQueueAreFullPredictAndExportAnswer503WithRetryAfter()
    {
        await using var app = new DashboardApp(_dir.Path, new Dictionary<string, string?>
        {
            ["TorchWork:MaxConcurrency"] = "1",
            ["TorchWork:QueueLimit"] = "0",
            ["TorchWork:RetryAfterSeconds"] = "2",
        });
        using var http = app.CreateHttpClient();
        var run = StoreCompletedRun(app.Store);
        var pixels = new int[784];
        var torch = app.Services.GetRequiredService<TorchWork>();

        using var gate = new ManualResetEventSlim();
        var blocker = torch.RunAsync(() => gate.Wait(TimeSpan.FromSeconds(60)), "blocker");
        var clock = Stopwatch.StartNew();
        while (torch.Running != 1)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the blocker did not start; running {torch.Running}");
            await Task.Delay(10);
        }

        var predict = await http.PostAsJsonAsync("api/predict", new { runIds = new[] { run.Id }, pixels });
        await AssertBusyAsync(predict);
        var export = await http.GetAsync($"api/runs/{run.Id}/weights?format=pytorch");
        await AssertBusyAsync(export);

        gate.Set();
        Assert.True(await blocker.WaitAsync(TimeSpan.FromSeconds(30)));
        var after = await http.PostAsJsonAsync("api/predict", new { runIds = new[] { run.Id }, pixels });
        Assert.True(after.StatusCode == HttpStatusCode.OK, await after.Content.ReadAsStringAsync());
    }

    private static async Task AssertBusyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Contains("busy", JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("TorchWork:MaxConcurrency", "0")]
    [InlineData("TorchWork:QueueLimit", "-1")]
    [InlineData("TorchWork:RetryAfterSeconds", "0")]
    public void AnInvalidLimitStopsTheAppAtStartWithTheFieldsName(string key, string value)
    {
        var e = Assert.ThrowsAny<OptionsValidationException>(() =>
        {
            using var app = new DashboardApp(_dir.Path, new Dictionary<string, string?> { [key] = value });
        });
        Assert.Contains(key.Split(':')[1], e.Message);
    }
}
