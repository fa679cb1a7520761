using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Audit;
using Dashboard.Web.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Storage;

/// <summary>Non-training writes (through the API, to the audit log) while the run database's disk (a small real tmpfs) is full.</summary>
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

    private Run CompletedRun(string name)
    {
        var run = new Run { Id = Guid.NewGuid(), Name = name, Config = TrainingConfig.ReportControl, Status = RunStatus.Completed, CreatedUtc = DateTime.UtcNow };
        _app.Store.InsertMany([run]);
        return run;
    }
}
