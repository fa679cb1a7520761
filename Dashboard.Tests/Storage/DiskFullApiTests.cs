using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Storage;

/// <summary>A non-training write through the API while the run database's disk (a small real tmpfs) is full.</summary>
public sealed class DiskFullApiTests
{
    [Fact]
    public async Task ANoteOnAFullDiskAnswers507ChangesNothingAndIsKeptOnceSpaceIsFreed()
    {
        using var dir = new TempDirectory();
        using var disk = SmallDisk.Mount(Path.Combine(dir.Path, "disk"), megabytes: 16);
        await using var app = new DashboardApp(disk.Path, new Dictionary<string, string?>
        {
            ["Dataset:Directory"] = Path.Combine(dir.Path, "fashion-mnist"),
        });
        var run = new Run { Id = Guid.NewGuid(), Name = "noted", Config = TrainingConfig.ReportControl, Status = RunStatus.Completed, CreatedUtc = DateTime.UtcNow };
        app.Store.InsertMany([run]);
        using var http = app.CreateHttpClient();
        var note = new { note = "Written on a full disk: " + new string('n', 2000) };

        var filler = disk.Fill("filler");
        var full = await http.PutAsJsonAsync($"api/runs/{run.Id}/note", note);

        Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
        Assert.Equal("application/problem+json", full.Content.Headers.ContentType?.MediaType);
        var problem = await full.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(507, problem.GetProperty("status").GetInt32());
        Assert.Contains("disk", problem.GetProperty("detail").GetString());
        Assert.Contains("nothing was changed", problem.GetProperty("detail").GetString());
        Assert.Null(app.Store.Get(run.Id)!.Note);

        File.Delete(filler);
        var freed = await http.PutAsJsonAsync($"api/runs/{run.Id}/note", note);
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal(note.note, app.Store.Get(run.Id)!.Note);
    }
}
