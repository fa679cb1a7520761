using Dashboard.Bench;
using Dashboard.Tests.Beyond;
using Dashboard.Tests.Training;
using Dashboard.Web.Studies;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Web;

/// <summary>
/// A fixed sample of Dashboard.Bench bad-input's requests (the full run, ~500 requests, is in docs/reliability.md):
/// every answer is a 4xx with problem details and the store is byte-for-byte unchanged.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class BadInputHarnessTests(QuickRunsFixture fixture) : IClassFixture<QuickRunsFixture>
{
    private const int Sample = 40;

    [Fact]
    public async Task MalformedRequestsToEveryKindOfEndpointGetProblemDetailsAndChangeNothing()
    {
        var app = fixture.App;
        var studies = app.Services.GetRequiredService<StudyStore>();
        var all = BadInputCatalog.Build(app.Services.GetRequiredService<EndpointDataSource>().Endpoints, new BadInputTargets(fixture.First.Id, fixture.Second.Id));
        Assert.True(all.Count >= 200, $"the catalog has only {all.Count} requests");
        // Evenly spaced through the catalog (which goes endpoint by endpoint), plus the two cases issue 11 started from.
        var cases = all.Where((_, i) => i % (all.Count / Sample) == 0).Take(Sample)
            .Concat(all.Where(c => c.Kind is BadInputCatalog.MegabyteList or "config fields at the top level"))
            .Distinct().ToList();
        var before = StoreFingerprint.Take(app.Store, studies);

        using var http = app.CreateHttpClient();
        var outcomes = await BadInputRunner.SendAsync(http, cases);
        outcomes.AddRange(await BadInputRunner.SendToHubAsync(app.BaseAddress));

        var violations = outcomes.Where(o => o.Violation is not null).Select(o => $"{o.Case.Method} /{o.Case.Path} [{o.Case.Kind}]: {o.Violation}: {o.Detail}").ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.Empty(StoreFingerprint.Differences(before, StoreFingerprint.Take(app.Store, studies)));
        Assert.True(outcomes.Count >= Sample + 2);
    }
}
