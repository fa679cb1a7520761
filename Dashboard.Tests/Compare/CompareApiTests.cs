using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Web.Comparison;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Compare;

/// <summary>The compare, export, annotation and study-planning endpoints on the real app. Nothing here trains.</summary>
public sealed class CompareApiTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DashboardApp _app;
    private readonly HttpClient _http;
    private readonly Run _three;
    private readonly Run _one;

    public CompareApiTests()
    {
        _app = new DashboardApp(_dir.Path);
        _http = _app.CreateHttpClient();
        _three = CompareRuns.Finished("three epochs", CompareRuns.Fashion((6, 0, 120), (2, 4, 60)), 70.2, epochs: 3);
        _one = CompareRuns.Finished("one epoch", CompareRuns.Fashion((6, 0, 90), (2, 4, 100)), 25.1, epochs: 1);
        _app.Store.InsertMany([_three, _one]);
    }

    public void Dispose()
    {
        _http.Dispose();
        _app.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task RunsWithDifferentEpochCountsAreComparedWithTheirOwnCurves()
    {
        var body = await _http.GetFromJsonAsync<JsonElement>($"api/compare?ids={_three.Id},{_one.Id}");

        Assert.Equal([3, 1], body.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("epochs").GetInt32()));
        var accuracy = body.GetProperty("curves").GetProperty("TestAccuracy");
        Assert.Equal([3, 1], accuracy.EnumerateArray().Select(s => s.GetProperty("points").GetArrayLength()));
        Assert.Equal("A · three epochs", accuracy[0].GetProperty("name").GetString());
        Assert.Equal(3, accuracy[0].GetProperty("points")[2][0].GetDouble());
        var results = body.GetProperty("results");
        Assert.Equal(["TrainingSeconds"], results[1].GetProperty("best").EnumerateArray().Select(b => b.GetString()));
        Assert.Contains("Accuracy", results[0].GetProperty("best").EnumerateArray().Select(b => b.GetString()));
        var epochs = body.GetProperty("settings").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "Epochs");
        Assert.True(epochs.GetProperty("differs").GetBoolean());
        var difference = body.GetProperty("difference");
        Assert.Equal(-30, difference.GetProperty("delta")[6][0].GetInt32());
        Assert.Equal(4, difference.GetProperty("focus").GetArrayLength());
    }

    [Fact]
    public async Task TooFewComparableRunsAreRefusedWithTheReasons()
    {
        var unknown = Guid.NewGuid();
        var response = await _http.GetAsync($"api/compare?ids={_three.Id},{unknown}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Pick 2 to 8 finished runs.", body.GetProperty("detail").GetString());
        Assert.Equal($"No run has the id {unknown}; it may have been deleted.", body.GetProperty("problems")[0].GetString());
    }

    [Theory]
    [InlineData("results", "csv", "text/csv", "compare-results.csv")]
    [InlineData("results", "md", "text/markdown", "compare-results.md")]
    [InlineData("reports", "csv", "text/csv", "compare-reports.csv")]
    [InlineData("reports", "md", "text/markdown", "compare-reports.md")]
    public async Task ExportsAreFilesToDownload(string table, string format, string mediaType, string fileName)
    {
        var response = await _http.GetAsync($"api/compare/export?ids={_three.Id},{_one.Id}&table={table}&format={format}");

        response.EnsureSuccessStatusCode();
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(fileName, response.Content.Headers.ContentDisposition!.FileName);
        var comparison = new RunComparison([_app.Store.Get(_three.Id)!, _app.Store.Get(_one.Id)!]);
        var expected = (table, format) switch
        {
            ("results", "csv") => CompareExport.ResultsCsv(comparison),
            ("results", _) => CompareExport.ResultsMarkdown(comparison),
            (_, "csv") => CompareExport.ReportsCsv(comparison),
            _ => CompareExport.ReportsMarkdown(comparison),
        };
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnUnknownExportIsRefused()
    {
        var response = await _http.GetAsync($"api/compare/export?ids={_three.Id},{_one.Id}&table=matrix&format=csv");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task TagsAndNotesAreSetThroughTheApi()
    {
        var tags = await _http.PutAsJsonAsync($"api/runs/{_one.Id}/tags", new { tags = new[] { "Quick", "lr sweep", "quick" } });
        tags.EnsureSuccessStatusCode();
        Assert.Equal(["quick", "lr-sweep"], (await tags.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        (await _http.PutAsJsonAsync($"api/runs/{_three.Id}/tags", new { tags = new[] { "quick" } })).EnsureSuccessStatusCode();
        var note = await _http.PutAsJsonAsync($"api/runs/{_one.Id}/note", new { note = "only one epoch" });
        Assert.Equal("only one epoch", (await note.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("note").GetString());

        var stored = _app.Store.Get(_one.Id)!;
        Assert.Equal(["quick", "lr-sweep"], stored.Tags);
        Assert.Equal("only one epoch", stored.Note);
        var all = await _http.GetFromJsonAsync<JsonElement>("api/tags");
        Assert.Equal([("quick", 2), ("lr-sweep", 1)], all.EnumerateArray().Select(t => (t.GetProperty("tag").GetString(), t.GetProperty("count").GetInt32())));

        Assert.Equal(HttpStatusCode.NotFound, (await _http.PutAsJsonAsync($"api/runs/{Guid.NewGuid()}/tags", new { tags = new[] { "x" } })).StatusCode);
        var tooLong = await _http.PutAsJsonAsync($"api/runs/{_one.Id}/note", new { note = new string('n', 4001) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("at most 4000", await tooLong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AStudyIsPlannedWithoutStoringAndAGridPastTheCapIsRefused()
    {
        var preset = await _http.GetFromJsonAsync<JsonElement>("api/studies/presets/report");
        var plan = await (await _http.PostAsJsonAsync("api/studies/plan", preset)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(9, plan.GetProperty("groups").GetArrayLength());
        Assert.Equal(0.67, plan.GetProperty("groups")[2].GetProperty("reported").GetProperty("accuracy").GetDouble());

        var grid = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(preset.GetRawText())!;
        grid["mode"] = JsonSerializer.SerializeToElement("Grid");
        var refused = await _http.PostAsJsonAsync("api/studies", grid);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("makes 81 runs", await refused.Content.ReadAsStringAsync());
        Assert.Equal(2, _app.Store.Count());
        Assert.Empty(_app.Services.GetRequiredService<StudyStore>().List());
    }
}
