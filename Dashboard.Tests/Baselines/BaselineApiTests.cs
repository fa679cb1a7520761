using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Baselines;

/// <summary>/api/baseline in Accounts mode over real Kestrel: each user pins their own; bad input changes nothing.</summary>
[Collection(TrainingCollection.Name)]
public sealed class BaselineApiTests
{
    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static async Task<Guid?> BaselineOfAsync(HttpClient client)
    {
        using var response = await client.GetAsync("api/baseline");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = (await JsonAsync(response)).GetProperty("runId");
        return id.ValueKind == JsonValueKind.Null ? null : id.GetGuid();
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task EachUserPinsTheirOwnBaselineAndAViewerMayToo()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path, Accounts.Mode());
        app.WithUser("bob", Role.Member).WithUser("vera", Role.Viewer);
        var a = CompareRuns.Finished("a", CompareRuns.Fashion(), 10);
        var b = CompareRuns.Finished("b", CompareRuns.Fashion((6, 0, 50)), 20);
        app.Store.InsertMany([a, b]);
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        using var vera = app.CreateHttpClient(app.TokenFor("vera", Role.Viewer));

        using var pinned = await bob.PutAsync("api/baseline", Body($$"""{ "runId": "{{a.Id}}" }"""));
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        var body = await JsonAsync(pinned);
        Assert.Equal("a", body.GetProperty("name").GetString());
        Assert.Equal(a.Accuracy!.Value, body.GetProperty("accuracy").GetDouble(), 1e-12);
        Assert.Equal(HttpStatusCode.OK, (await vera.PutAsync("api/baseline", Body($$"""{ "runId": "{{b.Id}}" }"""))).StatusCode);

        Assert.Equal(a.Id, await BaselineOfAsync(bob));
        Assert.Equal(b.Id, await BaselineOfAsync(vera));

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync("api/baseline")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync("api/baseline")).StatusCode);
        Assert.Null(await BaselineOfAsync(bob));
        Assert.Equal(b.Id, await BaselineOfAsync(vera));
    }

    [Fact]
    public async Task TheCompareApiTakesABaselineFirstAndItsExportsToo()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var a = CompareRuns.Finished("a", CompareRuns.Fashion(), 10);
        var b = CompareRuns.Finished("b", CompareRuns.Fashion((6, 0, 50)), 20);
        app.Store.InsertMany([a, b]);
        using var client = app.CreateHttpClient();

        using var response = await client.GetAsync($"api/compare/?ids={b.Id}&baseline={a.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var runs = (await JsonAsync(response)).GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["Baseline", "A"], runs.Select(r => r.GetProperty("letter").GetString()));
        Assert.Equal([true, false], runs.Select(r => r.GetProperty("baseline").GetBoolean()));

        var csv = await client.GetStringAsync($"api/compare/export?ids={b.Id},{a.Id}&baseline={a.Id}&table=results&format=csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Baseline,a,", lines[1]);
        Assert.StartsWith("A,b,", lines[2]);

        using var unknown = await client.GetAsync($"api/compare/?ids={b.Id}&baseline={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("(the baseline)", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BadRequestsAreRefusedWithAReasonAndChangeNothing()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var done = CompareRuns.Finished("done", CompareRuns.Fashion(), 10);
        var running = CompareRuns.Cancelled("busy") with { Status = RunStatus.Running };
        app.Store.InsertMany([done, running]);
        using var client = app.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("api/baseline", Body($$"""{ "runId": "{{done.Id}}" }"""))).StatusCode);

        (string Body, HttpStatusCode Status, string Says)[] cases =
        [
            ($$"""{ "runId": "{{running.Id}}" }""", HttpStatusCode.Conflict, "once it finishes"),
            ($$"""{ "runId": "{{Guid.NewGuid()}}" }""", HttpStatusCode.NotFound, "No run has the id"),
            ("{}", HttpStatusCode.BadRequest, "runId is required"),
            ($$"""{ "runId": "{{done.Id}}", "user": "bob" }""", HttpStatusCode.BadRequest, "'user'"),
            ("""{ "runId": "not-a-guid" }""", HttpStatusCode.BadRequest, "$.runId"),
        ];
        foreach (var (json, status, says) in cases)
        {
            using var response = await client.PutAsync("api/baseline", Body(json));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{json}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(says, text);
        }
        Assert.Equal(done.Id, await BaselineOfAsync(client));
    }
}
