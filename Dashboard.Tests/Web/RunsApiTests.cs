using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Web;

[Collection(TrainingCollection.Name)]
public sealed class RunsApiTests : IDisposable
{
    private static readonly object QuickConfig = new { epochs = 1, batchSize = 64, trainSubset = 1000, threads = 2 };
    private readonly TempDirectory _dir = new();
    private readonly DashboardApp _app;
    private readonly HttpClient _http;

    public RunsApiTests()
    {
        _app = new DashboardApp(_dir.Path);
        _http = _app.CreateHttpClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _app.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task CreateRefusesEveryInvalidFieldAndStoresNothing()
    {
        var response = await _http.PostAsJsonAsync("api/runs", new
        {
            config = new { epochs = 0, batchSize = -5, learningRate = "NaN", weightDecay = 2.0, model = "Nope" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "Epochs", "BatchSize", "LearningRate", "WeightDecay", "Model" })
            Assert.True(errors.TryGetProperty(field, out var messages) && messages.GetArrayLength() == 1, $"no message for {field}: {errors}");
        Assert.Contains("NaN", errors.GetProperty("LearningRate")[0].GetString());
        Assert.Equal(0, _app.Store.Count());
    }

    [Fact]
    public async Task CudaIsRefusedWhereThereIsNone()
    {
        var response = await _http.PostAsJsonAsync("api/runs", new { config = new { device = "Cuda" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no CUDA device", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _app.Store.Count());
    }

    [Fact]
    public async Task UnknownRunIdsGive404WithAMessage()
    {
        var id = Guid.NewGuid();
        foreach (var response in new[]
        {
            await _http.GetAsync($"api/runs/{id}"),
            await _http.PostAsync($"api/runs/{id}/cancel", null),
            await _http.DeleteAsync($"api/runs/{id}"),
            await _http.GetAsync($"api/runs/{id}/weights"),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains($"No run has the id {id}", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task ARunCreatedThroughTheApiTrainsAndOffersItsWeights()
    {
        var created = await _http.PostAsJsonAsync("api/runs", new { name = "api quick", config = QuickConfig });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal($"/api/runs/{id}", created.Headers.Location!.OriginalString);

        var run = await _app.WaitForFinishAsync(id);
        Assert.Equal(RunStatus.Completed, run.Status);

        var fetched = await _http.GetFromJsonAsync<JsonElement>($"api/runs/{id}");
        Assert.Equal("Completed", fetched.GetProperty("status").GetString());
        Assert.Equal(10, fetched.GetProperty("confusion").GetProperty("counts").GetArrayLength());
        Assert.InRange(fetched.GetProperty("report").GetProperty("accuracy").GetDouble(), 0.5, 1);

        var list = await _http.GetFromJsonAsync<JsonElement>("api/runs?take=10&status=completed");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal("api quick", list.GetProperty("items")[0].GetProperty("name").GetString());

        var torchSharp = await _http.GetAsync($"api/runs/{id}/weights");
        Assert.Equal(HttpStatusCode.OK, torchSharp.StatusCode);
        Assert.Equal("api_quick.tsm", torchSharp.Content.Headers.ContentDisposition!.FileNameStar ?? torchSharp.Content.Headers.ContentDisposition.FileName);
        Assert.Equal(_app.Store.LoadWeights(id), await torchSharp.Content.ReadAsByteArrayAsync());

        var pyTorch = await _http.GetAsync($"api/runs/{id}/weights?format=pytorch");
        Assert.Equal(HttpStatusCode.OK, pyTorch.StatusCode);
        Assert.Equal("PK"u8.ToArray(), (await pyTorch.Content.ReadAsByteArrayAsync())[..2]);

        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync($"api/runs/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"api/runs/{id}")).StatusCode);
        Assert.Null(_app.Store.Get(id));
        Assert.Null(_app.Store.LoadWeights(id));
    }

    [Fact]
    public async Task ARunningRunIsNotDeletedAndCanBeCancelled()
    {
        var created = await _http.PostAsJsonAsync("api/runs", new { config = new { epochs = 50, batchSize = 16, trainSubset = 4000, threads = 2 } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Poll.UntilAsync(() => _app.Store.Get(id)?.Status != RunStatus.Queued, TimeSpan.FromMinutes(2), "the run leaves the queue",
            () => Poll.Describe(_app.Store, id));

        var delete = await _http.DeleteAsync($"api/runs/{id}");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("cancel it first", await delete.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsync($"api/runs/{id}/cancel", null)).StatusCode);
        var run = await _app.WaitForFinishAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(RunStatus.Cancelled, run.Status);
    }

    [Fact]
    public async Task ListRefusesUnknownSortsAndStatuses()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("api/runs?sortBy=Secret")).StatusCode);
        var response = await _http.GetAsync("api/runs?status=Exploded");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unknown status 'Exploded'", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApiDocumentDescribesTheRunsEndpoints()
    {
        var document = await _http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/runs", out var runs));
        Assert.True(runs.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/api/runs/{id}/weights", out _));
    }
}
