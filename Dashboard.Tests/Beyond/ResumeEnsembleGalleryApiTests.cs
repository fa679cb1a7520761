using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Inference;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Beyond;

/// <summary>
/// Resume, ensembles and the error gallery through the real app and its API: runs train for real on
/// 2,000 images, checkpoints and predictions go through the LiteDB file.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class ResumeEnsembleGalleryApiTests(QuickRunsFixture runs) : IClassFixture<QuickRunsFixture>
{
    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task ACancelledRunResumesAfterItsLastEpochAndEndsExactlyLikeAnUninterruptedRun()
    {
        var app = runs.App;
        // Same config and seed as the fixture's first run, which was never interrupted.
        var id = app.Training.Launch(QuickRunsFixture.Config, "cancel and resume").Run!.Id;
        var firstEpoch = new TaskCompletionSource();
        using (app.Notifier.Subscribe(e =>
        {
            if (e is RunEpochCompleted { Metrics.Epoch: 1 } && e.RunId == id)
            {
                app.Training.Cancel(id);
                firstEpoch.TrySetResult();
            }
        }))
        {
            var cancelled = await app.WaitForFinishAsync(id);
            Assert.True(firstEpoch.Task.IsCompleted, "the run ended before its first epoch");
            Assert.Equal(RunStatus.Cancelled, cancelled.Status);
            Assert.InRange(cancelled.Epochs.Count, 1, 2);
            Assert.True(app.Store.HasCheckpoint(id), "no checkpoint was kept for the cancelled run");
        }

        using var http = app.CreateHttpClient();
        var response = await http.PostAsync($"api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var resumed = await app.WaitForFinishAsync(id);

        Assert.Equal(RunStatus.Completed, resumed.Status);
        var straight = runs.First;
        Assert.Equal([1, 2, 3], resumed.Epochs.Select(e => e.Epoch));
        Assert.Equal(straight.Epochs.Select(e => (e.TrainLoss, e.TestLoss, e.TestAccuracy)), resumed.Epochs.Select(e => (e.TrainLoss, e.TestLoss, e.TestAccuracy)));
        Assert.Equal(straight.Accuracy, resumed.Accuracy);
        Assert.Equal(straight.Confusion!.Counts, resumed.Confusion!.Counts);
        Assert.Equal(app.Store.LoadWeights(straight.Id), app.Store.LoadWeights(id));
        Assert.False(app.Store.HasCheckpoint(id), "a completed run keeps no checkpoint");
    }

    [Fact]
    public async Task ResumeRefusesUnknownAndCompletedRunsAndChangesNothing()
    {
        using var http = runs.App.CreateHttpClient();
        var unknown = await http.PostAsync($"api/runs/{Guid.NewGuid()}/resume", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var completed = await http.PostAsync($"api/runs/{runs.First.Id}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, completed.StatusCode);
        Assert.Contains("only interrupted or cancelled runs can be resumed", (await JsonAsync(completed)).GetProperty("detail").GetString());
        Assert.Equal(RunStatus.Completed, runs.App.Store.Get(runs.First.Id)!.Status);
    }

    [Fact]
    public async Task AnEnsembleIsAStoredRunWhoseReportIsTheMeanSoftmaxOfItsMembers()
    {
        var app = runs.App;
        using var http = app.CreateHttpClient();
        var response = await http.PostAsJsonAsync("api/ensembles", new { runIds = new[] { runs.First.Id, runs.Second.Id } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await JsonAsync(response)).GetProperty("id").GetGuid();

        var ensemble = await app.WaitForFinishAsync(id);
        Assert.Equal(RunStatus.Completed, ensemble.Status);
        Assert.Equal([runs.First.Id, runs.Second.Id], ensemble.EnsembleMembers);
        Assert.Equal(RunStore.EnsembleModelName, ensemble.Config.Model);
        Assert.StartsWith("Ensemble of 2: member seed 7 + member seed 8", ensemble.Name);

        // The same figures from the members' stored predictions, combined here.
        var expected = Ensemble.Combine([app.Store.LoadEvaluation(runs.First.Id)!, app.Store.LoadEvaluation(runs.Second.Id)!]);
        Assert.Equal(expected.Accuracy, ensemble.Accuracy);
        Assert.Equal(expected.ToConfusionMatrix().Counts, ensemble.Confusion!.Counts);
        Assert.Equal(10_000, ensemble.Confusion.Counts.Sum(r => r.Sum()));
        Assert.NotEqual(runs.First.Confusion!.Counts, ensemble.Confusion.Counts);

        // A row in the runs list like any run.
        var list = await JsonAsync(await http.GetAsync("api/runs?model=Ensemble"));
        Assert.Contains(list.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetGuid() == id);

        // Usable for prediction: its probabilities are the mean of its members'.
        var pixels = RealData.Get().TestPixels.AsSpan(0, Classifier.PixelCount).ToArray().Select(b => (double)b).ToArray();
        var byEnsemble = await JsonAsync(await http.PostAsJsonAsync("api/predict", new { runIds = new[] { id }, pixels }));
        var byMembers = await JsonAsync(await http.PostAsJsonAsync("api/predict", new { runIds = new[] { runs.First.Id, runs.Second.Id }, pixels }));
        var a = byEnsemble.GetProperty("ensemble").GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray();
        var b = byMembers.GetProperty("ensemble").GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray();
        Assert.Equal(10, a.Length);
        for (var k = 0; k < 10; k++) Assert.Equal(b[k], a[k], 1e-6);
    }

    [Fact]
    public async Task AnEnsembleRefusesBadMembersAndStoresNothing()
    {
        var app = runs.App;
        using var http = app.CreateHttpClient();
        var before = app.Store.Count();

        var one = await http.PostAsJsonAsync("api/ensembles", new { runIds = new[] { runs.First.Id } });
        Assert.Equal(HttpStatusCode.BadRequest, one.StatusCode);
        Assert.Contains("2 to 8 members", await one.Content.ReadAsStringAsync());

        var twice = await http.PostAsJsonAsync("api/ensembles", new { runIds = new[] { runs.First.Id, runs.First.Id } });
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.Contains("more than once", await twice.Content.ReadAsStringAsync());

        var unknown = await http.PostAsJsonAsync("api/ensembles", new { runIds = new[] { runs.First.Id, Guid.NewGuid() } });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // A run that has not completed: queued behind nothing, cancelled at once.
        var cancelled = app.Training.Launch(QuickRunsFixture.Config with { Epochs = 50 }, "not completed").Run!;
        app.Training.Cancel(cancelled.Id);
        await app.WaitForFinishAsync(cancelled.Id);
        var notCompleted = await http.PostAsJsonAsync("api/ensembles", new { runIds = new[] { runs.First.Id, cancelled.Id } });
        Assert.Equal(HttpStatusCode.BadRequest, notCompleted.StatusCode);
        Assert.Contains("only completed runs can be ensemble members", await notCompleted.Content.ReadAsStringAsync());

        Assert.Equal(before + 1, app.Store.Count()); // only the cancelled run
        app.Store.Delete(cancelled.Id);
    }

    [Fact]
    public async Task TheGalleryShowsExactlyTheImagesOfAConfusionCellMostConfidentFirst()
    {
        using var http = runs.App.CreateHttpClient();
        var run = runs.First;
        // The largest off-diagonal cell: the run's most common mistake.
        var (truth, predicted) = Enumerable.Range(0, 10).SelectMany(t => Enumerable.Range(0, 10).Where(p => p != t).Select(p => (t, p)))
            .MaxBy(c => run.Confusion!.Counts[c.t][c.p]);
        var count = run.Confusion!.Counts[truth][predicted];
        Assert.True(count > 0);

        var gallery = await JsonAsync(await http.GetAsync($"api/runs/{run.Id}/gallery?truth={truth}&predicted={predicted}&take=500"));
        Assert.Equal(count, gallery.GetProperty("total").GetInt32());
        var items = gallery.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Math.Min(count, 500), items.Count);
        var labels = RealData.Get().TestLabelBytes;
        foreach (var item in items)
        {
            Assert.Equal(truth, item.GetProperty("truth").GetInt32());
            Assert.Equal(predicted, item.GetProperty("predicted").GetInt32());
            Assert.Equal(truth, labels[item.GetProperty("index").GetInt32()]); // the data set agrees with the gallery
            Assert.Equal(FashionMnist.ClassNames[predicted], item.GetProperty("predictedName").GetString());
        }
        var confidences = items.Select(i => i.GetProperty("confidence").GetSingle()).ToList();
        Assert.Equal(confidences.OrderByDescending(c => c), confidences);
        Assert.All(confidences, c => Assert.InRange(c, 0.1f, 1f)); // the argmax of 10 classes is at least 1/10

        var mistakes = await JsonAsync(await http.GetAsync($"api/runs/{run.Id}/gallery"));
        Assert.Equal(10_000 - Enumerable.Range(0, 10).Sum(i => run.Confusion.Counts[i][i]), mistakes.GetProperty("total").GetInt32());

        var png = await http.GetAsync($"api/test-images/{items[0].GetProperty("index").GetInt32()}.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Equal(28, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16))); // IHDR width
    }

    [Fact]
    public async Task TheGalleryRefusesBadQueries()
    {
        using var http = runs.App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"api/runs/{runs.First.Id}/gallery?truth=10&predicted=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"api/runs/{runs.First.Id}/gallery?truth=1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"api/runs/{runs.First.Id}/gallery?take=0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/runs/{Guid.NewGuid()}/gallery")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/test-images/10000.png")).StatusCode);
    }
}
