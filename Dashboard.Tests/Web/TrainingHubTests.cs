using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Tests.Web;

[Collection(TrainingCollection.Name)]
public sealed class TrainingHubTests
{
    [Fact]
    public async Task ASignalRClientReceivesEveryEventOfARunInOrder()
    {
        using var dir = new TempDirectory();
        using var app = new DashboardApp(dir.Path);
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, "hubs/training")).Build();
        var events = new ConcurrentQueue<(string Method, JsonElement Body)>();
        foreach (var method in new[] { "RunQueued", "RunStarted", "BatchProgress", "EpochCompleted", "RunFinished" })
            connection.On<JsonElement>(method, body => events.Enqueue((method, body)));
        await connection.StartAsync();

        using var http = app.CreateHttpClient();
        var created = await http.PostAsJsonAsync("api/runs", new { config = new { epochs = 2, batchSize = 64, trainSubset = 1000, threads = 2 } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await app.WaitForFinishAsync(id);
        await Poll.UntilAsync(() => events.Any(e => e.Method == "RunFinished"), TimeSpan.FromSeconds(10), "the hub delivers RunFinished",
            () => $"{Poll.Describe(app.Store, id)}; the client received {string.Join(", ", events.Select(e => e.Method).Distinct())}");

        var received = events.ToList();
        Assert.All(received, e => Assert.Equal(id, e.Body.GetProperty("runId").GetGuid()));
        var order = received.Select(e => e.Method).Distinct().ToList();
        Assert.Equal(["RunQueued", "RunStarted", "BatchProgress", "EpochCompleted", "RunFinished"], order);
        var epochs = received.Where(e => e.Method == "EpochCompleted").Select(e => e.Body.GetProperty("metrics").GetProperty("epoch").GetInt32());
        Assert.Equal([1, 2], epochs);
        var finished = received.Single(e => e.Method == "RunFinished").Body;
        Assert.Equal("Completed", finished.GetProperty("status").GetString());
        Assert.InRange(finished.GetProperty("accuracy").GetDouble(), 0.5, 1);
        var progress = received.First(e => e.Method == "BatchProgress").Body.GetProperty("progress");
        Assert.True(progress.GetProperty("imagesPerSecond").GetDouble() > 0);
    }
}
