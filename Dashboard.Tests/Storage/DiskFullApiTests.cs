using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Accounts;
using Dashboard.Web.Audit;
using Dashboard.Web.Baselines;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Storage;

/// <summary>Non-training writes (through the API, to the audit log, studies, tokens, baselines) while the run database's disk (a small real tmpfs) is full.</summary>
public sealed class DiskFullApiTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SmallDisk _disk;
    private readonly DashboardApp _app;

    public DiskFullApiTests()
    {
        _disk = SmallDisk.Mount(Path.Combine(_dir.Path, "disk"), megabytes: 16);
        _app = _disk.StartDashboard(_dir.Path);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _disk.Dispose();
        _dir.Dispose();
    }
    [Fact]
    public async Task ANoteOnAFullDiskAnswers507ChangesNothingAndIsKeptOnceSpaceIsFreed()
    {
        var run = CompletedRun("noted");
        using var http = _app.CreateHttpClient();
        var note = new { note = "Written on a full disk: " + new string('n', 2000) };

        var filler = _disk.Fill("filler");
        var full = await http.PutAsJsonAsync($"api/runs/{run.Id}/note", note);

        Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
        Assert.Equal("application/problem+json", full.Content.Headers.ContentType?.MediaType);
        var problem = await full.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(507, problem.GetProperty("status").GetInt32());
        Assert.Contains("disk", problem.GetProperty("detail").GetString());
        Assert.Contains("nothing was changed", problem.GetProperty("detail").GetString());
        Assert.Null(_app.Store.Get(run.Id)!.Note);

        File.Delete(filler);
        var freed = await http.PutAsJsonAsync($"api/runs/{run.Id}/note", note);
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal(note.note, _app.Store.Get(run.Id)!.Note);
    }

    [Fact]
    public async Task AnAuditEntryOnAFullDiskIsLoggedNotThrownAndTheDashboardWritesAgainOnceSpaceIsFreed()
    {
        var run = CompletedRun("audited");
        var audit = _app.Services.GetRequiredService<AuditLog>();
        using var http = _app.CreateHttpClient();

        var filler = _disk.Fill("filler");
        audit.Record("someone", AuditActions.SignInFailed, detail: "Written on a full disk: " + new string('d', 2000));
        // LiteDB's failed transaction, if left to its finaliser, ends the process (docs/reliability.md): let it run now.
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(0, audit.Query(0, 10).Total);
        File.Delete(filler);
        var freed = await http.PutAsJsonAsync($"api/runs/{run.Id}/note", new { note = "after the full disk" });
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal("after the full disk", _app.Store.Get(run.Id)!.Note);
        Assert.Equal([AuditActions.Note], audit.Query(0, 10).Items.Select(e => e.Action));
    }

    [Fact]
    public async Task AStudyOnAFullDiskAnswers507QueuesNothingAndStudiesAreStoredOnceSpaceIsFreed()
    {
        var studies = _app.Services.GetRequiredService<StudyStore>();
        using var http = _app.CreateHttpClient();
        var design = new { name = "on a full disk", control = new { epochs = 1, batchSize = 128, trainSubset = 1000, threads = 1 }, alternatives = new { learningRates = new[] { 0.01 } } };

        var filler = _disk.Fill("filler");
        var full = await http.PostAsJsonAsync("api/studies", design);
        await AssertDiskFullProblemAsync(full);
        // The study's own document, written without runs before it (as the halving coordinator and deletes do).
        Assert.Throws<DiskFullException>(() => studies.Insert(EmptyStudy("stored on a full disk")));
        FinaliseFailedTransactions();

        Assert.Empty(studies.List());
        Assert.Equal(0, _app.Store.Count());
        File.Delete(filler);
        studies.Insert(EmptyStudy("stored once space is freed"));
        Assert.Equal(["stored once space is freed"], studies.List().Select(s => s.Name));
        await AssertWritesAgainAsync(http, CompletedRun("after the full disk"));
    }

    [Fact]
    public async Task PinningABaselineOnAFullDiskAnswers507ChangesNothingAndPinsOnceSpaceIsFreed()
    {
        var run = CompletedRun("baseline");
        using var http = _app.CreateHttpClient();

        var filler = _disk.Fill("filler");
        await AssertDiskFullProblemAsync(await http.PutAsJsonAsync("api/baseline", new { runId = run.Id }));
        FinaliseFailedTransactions();

        Assert.Null(await BaselineOfAsync(http));
        File.Delete(filler);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("api/baseline", new { runId = run.Id })).StatusCode);
        Assert.Equal(run.Id, await BaselineOfAsync(http));
        await AssertWritesAgainAsync(http, run);
    }

    [Fact]
    public async Task ATokenOnAFullDiskAnswers507ChangesNothingWhileTokensStillSignInAndIsMadeOnceSpaceIsFreed()
    {
        using var dir = new TempDirectory();
        using var disk = SmallDisk.Mount(Path.Combine(dir.Path, "disk"), megabytes: 16);
        await using var app = disk.StartDashboard(dir.Path, Accounts.Mode());
        app.WithUser("bob", Role.Member);
        var tokens = app.Services.GetRequiredService<ApiTokenStore>();
        using var bob = app.CreateHttpClient(app.TokenFor("bob"));

        var filler = disk.Fill("filler");
        // Signing in with a token notes its last use: on a full disk that note is skipped, the token still works.
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("api/runs")).StatusCode);
        await AssertDiskFullProblemAsync(await bob.PostAsJsonAsync("api/tokens", new { name = "made on a full disk" }));
        FinaliseFailedTransactions();

        Assert.Equal(["test"], tokens.ForOwner("bob").Select(t => t.Name));
        File.Delete(filler);
        using var made = await bob.PostAsJsonAsync("api/tokens", new { name = "made once space is freed" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        Assert.Equal(["made once space is freed", "test"], tokens.ForOwner("bob").Select(t => t.Name).Order());
        Assert.NotNull(tokens.ForOwner("bob").Single(t => t.Name == "test").LastUsedUtc);
    }

    private static async Task AssertDiskFullProblemAsync(HttpResponseMessage full)
    {
        Assert.True(full.StatusCode == HttpStatusCode.InsufficientStorage, $"expected 507, got {(int)full.StatusCode}: {await full.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", full.Content.Headers.ContentType?.MediaType);
        var problem = await full.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(507, problem.GetProperty("status").GetInt32());
        Assert.Contains("disk", problem.GetProperty("detail").GetString());
        Assert.Contains("nothing was changed", problem.GetProperty("detail").GetString());
    }

    // LiteDB's failed transaction, if left to its finaliser, ends the process (docs/reliability.md): let it run now.
    private static void FinaliseFailedTransactions()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private async Task AssertWritesAgainAsync(HttpClient http, Run run)
    {
        var freed = await http.PutAsJsonAsync($"api/runs/{run.Id}/note", new { note = "after the full disk" });
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal("after the full disk", _app.Store.Get(run.Id)!.Note);
    }

    private static async Task<Guid?> BaselineOfAsync(HttpClient http)
    {
        using var response = await http.GetAsync("api/baseline");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId");
        return id.ValueKind == JsonValueKind.Null ? null : id.GetGuid();
    }

    private static Study EmptyStudy(string name) =>
        new() { Id = Guid.NewGuid(), Name = name, CreatedUtc = DateTime.UtcNow, Design = new StudyDesign { Name = name }, Members = [] };

    private Run CompletedRun(string name)
    {
        var run = new Run { Id = Guid.NewGuid(), Name = name, Config = TrainingConfig.ReportControl, Status = RunStatus.Completed, CreatedUtc = DateTime.UtcNow };
        _app.Store.InsertMany([run]);
        return run;
    }
}
