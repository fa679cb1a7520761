using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Analysis;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Analysis;

/// <summary>GET /api/analysis on the real dashboard: scopes, the table and importance, and refused input that changes nothing.</summary>
[Collection(TrainingCollection.Name)]
public sealed class AnalysisApiTests
{
    [Fact]
    public async Task ATaggedSetOfRunsGetsItsTableAndTheRateRankedFirst()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var runs = StoredAnalysisRuns.Grid(4);
        app.Store.InsertMany(runs.Select((r, i) => i % 2 == 0 ? r with { Tags = ["sweep"] } : r));
        using var http = app.CreateHttpClient();

        var body = await http.GetFromJsonAsync<JsonElement>("api/analysis?tag=sweep&metric=testLoss");

        Assert.Equal(runs.Count / 2, body.GetProperty("runs").GetInt32());
        Assert.Equal(runs.Count / 2, body.GetProperty("rows").GetArrayLength());
        var columns = body.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("key").GetString()).ToList();
        Assert.Equal(["learningRate", "batchSize"], columns.Take(2));
        Assert.Contains(AnalysisMetrics.TestLoss, columns);
        var importance = body.GetProperty("importance");
        Assert.Equal("Final test loss", importance.GetProperty("metricLabel").GetString());
        Assert.Contains("PermutationFeatureImportance", importance.GetProperty("method").GetString());
        Assert.Equal("learningRate", importance.GetProperty("settings")[0].GetProperty("key").GetString());
    }

    [Fact]
    public async Task PickedIdsAreAnalyzedAndMissingOnesNoted()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var runs = StoredAnalysisRuns.Grid(1);
        app.Store.InsertMany(runs);
        using var http = app.CreateHttpClient();

        var body = await http.GetFromJsonAsync<JsonElement>($"api/analysis?ids={runs[0].Id},{runs[1].Id},{Guid.NewGuid()}");

        Assert.Equal(2, body.GetProperty("runs").GetInt32());
        Assert.Contains("1 of the 3 ids name no run", body.GetProperty("notes")[0].GetString());
        Assert.Contains("at least 8", body.GetProperty("importance").GetProperty("problem").GetString());
    }

    [Theory]
    [InlineData("metric=bogus", "Unknown metric 'bogus'")]
    [InlineData("ids=not-a-guid", "is not a run id")]
    [InlineData("ids=00000000-0000-0000-0000-000000000001&tag=x", "not both")]
    [InlineData("where=Colour:Equal:red", "Cannot filter on 'Colour'")]
    [InlineData("where=LearningRate:Less:fast", "LearningRate needs a number")]
    [InlineData("where=Status:AnyOf:Completed,Sleeping", "Unknown status 'Sleeping'")]
    public async Task BadParametersGetProblemDetails(string query, string expected)
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        using var http = app.CreateHttpClient();

        using var response = await http.GetAsync("api/analysis?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MoreIdsThanAUrlCarriesAreRefused()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        using var http = app.CreateHttpClient();
        var ids = string.Join(",", Enumerable.Range(0, AnalysisScope.MaxIds + 1).Select(_ => Guid.NewGuid()));

        using var response = await http.GetAsync("api/analysis?ids=" + ids);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"At most {AnalysisScope.MaxIds} run ids", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheRunsListsFiltersTravelAsWhere()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var runs = StoredAnalysisRuns.Grid(3);
        app.Store.InsertMany(runs);
        using var http = app.CreateHttpClient();
        // What the runs grid hands over for "LR < 0.05" and "Status is any of Completed": the link the Analyze button makes.
        var link = AnalysisScope.LinkFor([], [
            new Dashboard.Web.Storage.RunFilter(Dashboard.Web.Storage.RunFields.LearningRate, Dashboard.Web.Storage.FilterMatch.Less, 0.05),
            new Dashboard.Web.Storage.RunFilter(Dashboard.Web.Storage.RunFields.Status, Dashboard.Web.Storage.FilterMatch.AnyOf, new[] { Dashboard.Web.Storage.RunStatus.Completed }),
        ]);

        var body = await http.GetFromJsonAsync<JsonElement>("api" + link);

        Assert.Equal(runs.Count(r => r.Config.LearningRate < 0.05), body.GetProperty("runs").GetInt32());
    }

    [Fact]
    public async Task EveryBadInputCaseOfTheCatalogForThisEndpointIsRefusedWithProblemDetails()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var runs = StoredAnalysisRuns.Grid(1);
        app.Store.InsertMany(runs);
        var cases = Dashboard.Bench.BadInputCatalog.Build(app.Services.GetRequiredService<EndpointDataSource>().Endpoints, new Dashboard.Bench.BadInputTargets(runs[0].Id, runs[1].Id))
            .Where(c => c.Endpoint.Contains("/api/analysis", StringComparison.Ordinal)).ToList();
        using var http = app.CreateHttpClient();

        var outcomes = await Dashboard.Bench.BadInputRunner.SendAsync(http, cases);

        Assert.True(cases.Count >= 5, $"only {cases.Count} cases aim at /api/analysis");
        var violations = outcomes.Where(o => o.Violation is not null).Select(o => $"{o.Case.Method} /{o.Case.Path} [{o.Case.Kind}]: {o.Violation}: {o.Detail}").ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }
}
