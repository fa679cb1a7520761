using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Security;

/// <summary>Who may launch and change runs and studies (Accounts mode, real Kestrel), and the audit record of what they did.</summary>
[Collection(TrainingCollection.Name)]
public sealed class OwnershipTests
{
    private static readonly object QuickConfig = new { epochs = 1, batchSize = 128, trainSubset = 1000, threads = 2 };

    internal static Run QueuedRun(string name, string? createdBy) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Config = TrainingConfig.ReportControl,
        Status = RunStatus.Queued,
        CreatedUtc = DateTime.UtcNow,
        CreatedBy = createdBy,
    };

    private static DashboardApp AccountsApp(string dir, params (string Key, string? Value)[] more) =>
        new DashboardApp(dir, Accounts.Mode(more))
            .WithUser("alice", Role.Member).WithUser("bob", Role.Member).WithUser("carol", Role.Admin).WithUser("vera", Role.Viewer);

    private static IReadOnlyList<AuditEntry> Audit(DashboardApp app) => app.Services.GetRequiredService<AuditLog>().Query(0, 1000).Items;

    private static async Task<string> DetailOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString() ?? "";

    [Fact]
    public async Task AViewersLaunchesAreRefusedAndStoreNothing()
    {
        using var dir = new TempDirectory();
        await using var app = AccountsApp(dir.Path);
        var member = QueuedRun("a member's run", "alice");
        app.Store.InsertMany([member]);
        using var vera = app.CreateHttpClient(app.TokenFor("vera"));

        var run = await vera.PostAsJsonAsync("api/runs", new { name = "viewer run", config = QuickConfig });
        var study = await vera.PostAsJsonAsync("api/studies", new { name = "viewer study", control = QuickConfig, alternatives = new { learningRates = new[] { 0.01 } } });
        var ensemble = await vera.PostAsJsonAsync("api/ensembles", new { runIds = new[] { member.Id, Guid.NewGuid() } });

        Assert.Equal(HttpStatusCode.Forbidden, run.StatusCode);
        Assert.Equal("application/problem+json", run.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, study.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, ensemble.StatusCode);
        Assert.Equal(1, app.Store.Count());
        Assert.Empty(app.Services.GetRequiredService<StudyStore>().List());
        Assert.DoesNotContain(Audit(app), e => e.Actor == "vera");

        // Nor can the viewer change a member's run.
        Assert.Equal(HttpStatusCode.Forbidden, (await vera.PostAsync($"api/runs/{member.Id}/cancel", null)).StatusCode);
        Assert.Equal(RunStatus.Queued, app.Store.Get(member.Id)!.Status);
    }

    [Fact]
    public async Task AMemberCannotChangeAnotherMembersRunButCanChangeTheirOwn()
    {
        using var dir = new TempDirectory();
        await using var app = AccountsApp(dir.Path);
        var alices = QueuedRun("alice's run", "alice");
        var bobs = QueuedRun("bob's run", "bob");
        app.Store.InsertMany([alices, bobs]);
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));

        var cancel = await bob.PostAsync($"api/runs/{alices.Id}/cancel", null);
        var resume = await bob.PostAsync($"api/runs/{alices.Id}/resume", null);
        var tags = await bob.PutAsJsonAsync($"api/runs/{alices.Id}/tags", new { tags = new[] { "mine-now" } });
        var note = await bob.PutAsJsonAsync($"api/runs/{alices.Id}/note", new { note = "bob was here" });
        var delete = await bob.DeleteAsync($"api/runs/{alices.Id}");

        Assert.All(new[] { cancel, resume, tags, note, delete }, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal("Only the run's creator (alice) or an admin can cancel it.", await DetailOf(cancel));
        Assert.Equal("Only the run's creator (alice) or an admin can delete it.", await DetailOf(delete));
        var untouched = app.Store.Get(alices.Id)!;
        Assert.Equal((RunStatus.Queued, 0, (string?)null), (untouched.Status, untouched.Tags.Count, untouched.Note));
        Assert.DoesNotContain(Audit(app), e => e.Target == alices.Id.ToString());

        Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync($"api/runs/{bobs.Id}/tags", new { tags = new[] { "Baseline" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync($"api/runs/{bobs.Id}/note", new { note = "my note" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsync($"api/runs/{bobs.Id}/cancel", null)).StatusCode);
        Assert.Equal(RunStatus.Cancelled, app.Store.Get(bobs.Id)!.Status);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"api/runs/{bobs.Id}")).StatusCode);
        Assert.Null(app.Store.Get(bobs.Id));

        var bobsEntries = Audit(app).Where(e => e.Target == bobs.Id.ToString()).OrderBy(e => e.Id).ToList();
        Assert.Equal([AuditActions.Tags, AuditActions.Note, AuditActions.Cancel, AuditActions.Delete], bobsEntries.Select(e => e.Action));
        Assert.All(bobsEntries, e => Assert.Equal("bob", e.Actor));
        Assert.Equal("tags: baseline", bobsEntries[0].Detail);
        Assert.Equal("bob's run", bobsEntries[3].Detail);
    }

    [Fact]
    public async Task AnAdminCanChangeAnyonesRunAndOnlyAnAdminOneStoredBeforeAccounts()
    {
        using var dir = new TempDirectory();
        await using var app = AccountsApp(dir.Path);
        var alices = QueuedRun("alice's run", "alice");
        var old = QueuedRun("from before accounts", null);
        app.Store.InsertMany([alices, old]);
        using var carol = app.CreateHttpClient(app.TokenFor("carol"));
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));

        var ownerless = await bob.PostAsync($"api/runs/{old.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Forbidden, ownerless.StatusCode);
        Assert.Contains("no owner", await DetailOf(ownerless));

        Assert.Equal(HttpStatusCode.Accepted, (await carol.PostAsync($"api/runs/{alices.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await carol.PostAsync($"api/runs/{old.Id}/cancel", null)).StatusCode);

        Assert.Equal(RunStatus.Cancelled, app.Store.Get(alices.Id)!.Status);
        Assert.Equal(RunStatus.Cancelled, app.Store.Get(old.Id)!.Status);
        var entry = Assert.Single(Audit(app), e => e.Target == alices.Id.ToString());
        Assert.Equal(("carol", AuditActions.Cancel, "alice's run"), (entry.Actor, entry.Action, entry.Detail));
    }

    [Fact]
    public async Task LaunchesRecordTheirCreatorWhoAloneMayCancelTheirStudy()
    {
        using var dir = new TempDirectory();
        await using var app = AccountsApp(dir.Path);
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        using var alice = app.CreateHttpClient(app.TokenFor("alice"));

        var created = await bob.PostAsJsonAsync("api/runs", new { name = "bob launches", config = QuickConfig });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsync($"api/runs/{runId}/cancel", null)).StatusCode);
        var studyResponse = await bob.PostAsJsonAsync("api/studies", new
        {
            name = "bob's study",
            control = QuickConfig,
            alternatives = new { learningRates = new[] { 0.01 } },
            quick = new { trainSubset = 1000 },
        });
        Assert.Equal(HttpStatusCode.Created, studyResponse.StatusCode);
        var study = await studyResponse.Content.ReadFromJsonAsync<JsonElement>();
        var studyId = study.GetProperty("id").GetGuid();
        Assert.Equal("bob", study.GetProperty("createdBy").GetString());

        var refused = await alice.PostAsync($"api/studies/{studyId}/cancel", null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Only the study's creator (bob) or an admin can cancel it.", await DetailOf(refused));
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsync($"api/studies/{studyId}/cancel", null)).StatusCode);

        var stored = app.Services.GetRequiredService<StudyStore>().Get(studyId)!;
        Assert.Equal("bob", stored.CreatedBy);
        Assert.All(stored.Members, m => Assert.Equal("bob", app.Store.Get(m.RunId)!.CreatedBy));
        Assert.Equal("bob", (await (await bob.GetAsync($"api/runs/{runId}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("createdBy").GetString());
        var actions = Audit(app).Where(e => e.Actor == "bob").Select(e => e.Action).ToList();
        Assert.Contains(AuditActions.Launch, actions);
        Assert.Contains(AuditActions.StudyLaunch, actions);
        Assert.Contains(AuditActions.StudyCancel, actions);
        Assert.DoesNotContain(Audit(app), e => e.Actor == "alice");
    }

    [Fact]
    public async Task TheRunsListFiltersOnTheCreatorAndShowsIt()
    {
        using var dir = new TempDirectory();
        await using var app = AccountsApp(dir.Path);
        app.Store.InsertMany([QueuedRun("a1", "alice"), QueuedRun("b1", "bob"), QueuedRun("a2", "alice"), QueuedRun("old", null)]);
        using var vera = app.CreateHttpClient(app.TokenFor("vera"));

        var page = await vera.GetFromJsonAsync<JsonElement>("api/runs?createdBy=alice");
        var all = await vera.GetFromJsonAsync<JsonElement>("api/runs");

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.All(page.GetProperty("items").EnumerateArray(), r => Assert.Equal("alice", r.GetProperty("createdBy").GetString()));
        Assert.Equal(4, all.GetProperty("total").GetInt32());
        Assert.Equal([null, "alice", "alice", "bob"], app.Store.Query(new RunQuery { SortBy = RunFields.CreatedBy, Descending = false }).Items.Select(r => r.CreatedBy));
        Assert.Single(app.Store.Query(new RunQuery { Filters = [new RunFilter(RunFields.CreatedBy, FilterMatch.Empty, null)] }).Items);
    }

    [Fact]
    public async Task LaunchesAreRateLimitedPerUser()
    {
        using var dir = new TempDirectory();
        await using var app = AccountsApp(dir.Path, ("RateLimits:LaunchesPerMinute", "1"));
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));
        using var alice = app.CreateHttpClient(app.TokenFor("alice"));

        var first = await bob.PostAsJsonAsync("api/runs", new { config = new { epochs = 0 } });
        var second = await bob.PostAsJsonAsync("api/runs", new { config = new { epochs = 0 } });
        var others = await alice.PostAsJsonAsync("api/runs", new { config = new { epochs = 0 } });

        // Invalid configs store nothing, but each still counts as a launch.
        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(second.Headers.RetryAfter is not null, "429 without Retry-After");
        Assert.Equal(HttpStatusCode.BadRequest, others.StatusCode);
        Assert.Equal(0, app.Store.Count());
    }

    [Fact]
    public async Task LocalModeRecordsLocalAsTheCreatorAndChangesEverything()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var old = QueuedRun("from before accounts", null);
        app.Store.InsertMany([old]);
        using var client = app.CreateHttpClient();

        var created = await client.PostAsJsonAsync("api/runs", new { name = "local launch", config = QuickConfig });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var run = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = run.GetProperty("id").GetGuid();
        Assert.Equal(Actor.LocalName, run.GetProperty("createdBy").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"api/runs/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"api/runs/{old.Id}/tags", new { tags = new[] { "kept" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"api/runs/{old.Id}")).StatusCode);

        Assert.Equal(Actor.LocalName, app.Store.Get(id)!.CreatedBy);
        Assert.Equal([AuditActions.Launch, AuditActions.Cancel, AuditActions.Tags, AuditActions.Delete], Audit(app).OrderBy(e => e.Id).Select(e => e.Action));
        Assert.All(Audit(app), e => Assert.Equal(Actor.LocalName, e.Actor));
    }
}
