using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Storage;

public class RunStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private RunStore Open() => new(Options.Create(new StorageOptions { DatabasePath = _dir.File("runs.db") }), NullLogger<RunStore>.Instance);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RunRoundTripsWithEverythingItHolds()
    {
        var confusion = new ConfusionMatrix([[5, 1], [2, 4]]);
        var report = ClassificationReport.From(confusion, ["a", "b"]);
        Guid id;
        using (var store = Open())
        {
            var run = store.Create(TrainingConfig.ReportBest with { TrainSubset = 500 }, "best");
            id = run.Id;
            store.AppendEpoch(id, new EpochMetrics(1, 0.5, 0.4, 0.8, 12.5, 4000));
            store.AppendEpoch(id, new EpochMetrics(2, 0.3, 0.35, 0.85, 12.0, 4100));
            store.Update(id, r => r with { Status = RunStatus.Completed, Report = report, Confusion = confusion, Accuracy = report.Accuracy, HasWeights = true });
            store.SaveWeights(id, [1, 2, 3]);
        }

        using var reopened = Open();
        var loaded = reopened.Get(id)!;
        Assert.Equal("best", loaded.Name);
        Assert.Equal(TrainingConfig.ReportBest with { TrainSubset = 500 }, loaded.Config);
        Assert.Equal(RunStatus.Completed, loaded.Status);
        Assert.Equal([1, 2], loaded.Epochs.Select(e => e.Epoch));
        Assert.Equal(0.85, loaded.Epochs[1].TestAccuracy);
        Assert.Equal(confusion.Counts, loaded.Confusion!.Counts);
        Assert.Equal(report.MacroAverage, loaded.Report!.MacroAverage);
        Assert.Equal(report.Classes, loaded.Report.Classes);
        Assert.Equal(new byte[] { 1, 2, 3 }, reopened.LoadWeights(id));
    }

    [Fact]
    public void InterruptedRunIsMarkedAfterRestartAndQueuedRunsComeBackInOrder()
    {
        Guid running, first, second, done;
        using (var store = Open())
        {
            first = store.Create(TrainingConfig.ReportControl, "first").Id;
            second = store.Create(TrainingConfig.ReportControl, "second").Id;
            running = store.Create(TrainingConfig.ReportControl, "running").Id;
            done = store.Create(TrainingConfig.ReportControl, "done").Id;
            store.Update(running, r => r with { Status = RunStatus.Running });
            store.AppendEpoch(running, new EpochMetrics(1, 0.5, 0.4, 0.8, 12.5, 4000));
            store.Update(done, r => r with { Status = RunStatus.Completed });
        } // a crash: nothing else is written

        using var restarted = Open();
        var queued = restarted.RecoverAfterRestart();

        Assert.Equal([first, second], queued.Select(r => r.Id));
        var interrupted = restarted.Get(running)!;
        Assert.Equal(RunStatus.Interrupted, interrupted.Status);
        Assert.Single(interrupted.Epochs);
        Assert.Contains("1 finished epoch", interrupted.StatusReason);
        Assert.Equal(RunStatus.Completed, restarted.Get(done)!.Status);
    }

    [Fact]
    public void RunsCreatedInOneMillisecondKeepTheirOrderThroughTheFileAndARestart()
    {
        // LiteDB keeps DateTime to the millisecond, and a study or a script queues many runs within one.
        var ids = new List<Guid>();
        using (var store = Open())
            for (var i = 0; i < 40; i++) ids.Add((i % 2 == 0 ? store.Create(TrainingConfig.ReportControl, $"run {i}") : store.CreateEnsemble([], $"ensemble {i}")).Id);
        using (var restarted = Open())
        {
            var created = ids.Select(id => restarted.Get(id)!.CreatedUtc).ToList();
            Assert.All(created.Zip(created.Skip(1)), pair => Assert.True(pair.First < pair.Second, $"{pair.First:O} is not before {pair.Second:O}"));
            Assert.Equal(ids, restarted.RecoverAfterRestart().Select(r => r.Id));
            Assert.Equal(ids.AsEnumerable().Reverse().Take(25), restarted.Query(new RunQuery { Take = 25 }).Items.Select(r => r.Id));
            // Later runs, after a restart, still come after the earlier ones.
            var later = restarted.Create(TrainingConfig.ReportControl, "after the restart");
            Assert.True(later.CreatedUtc > created[^1]);
            Assert.Equal(later.CreatedUtc, restarted.Get(later.Id)!.CreatedUtc.ToUniversalTime());
        }
    }

    [Fact]
    public void ARunningRunCannotBeDeleted()
    {
        using var store = Open();
        var id = store.Create(TrainingConfig.ReportControl).Id;
        store.Update(id, r => r with { Status = RunStatus.Running });

        Assert.Equal(DeleteOutcome.Running, store.Delete(id));
        store.Update(id, r => r with { Status = RunStatus.Cancelled });
        Assert.Equal(DeleteOutcome.Deleted, store.Delete(id));
        Assert.Null(store.Get(id));
        Assert.Equal(DeleteOutcome.NotFound, store.Delete(id));
    }

    [Fact]
    public void QuerySortsFiltersAndPagesInTheDatabase()
    {
        using var store = Open();
        for (var i = 0; i < 30; i++)
        {
            var id = store.Create(TrainingConfig.ReportControl with { BatchSize = 32 + i, LearningRate = i % 2 == 0 ? 1e-3 : 1e-2 }, $"run {i:00}").Id;
            store.Update(id, r => r with { Status = i % 3 == 0 ? RunStatus.Completed : RunStatus.Failed, Accuracy = 0.5 + i / 100.0 });
        }

        var page = store.Query(new RunQuery { Skip = 5, Take = 5, SortBy = RunFields.Accuracy, Descending = true });
        Assert.Equal(30, page.Total);
        Assert.Equal(["run 24", "run 23", "run 22", "run 21", "run 20"], page.Items.Select(r => r.Name));

        var filtered = store.Query(new RunQuery
        {
            Take = 100,
            SortBy = RunFields.BatchSize,
            Descending = false,
            Filters = [new RunFilter(RunFields.Status, FilterMatch.Equal, RunStatus.Completed), new RunFilter(RunFields.LearningRate, FilterMatch.Greater, 5e-3), new RunFilter(RunFields.Name, FilterMatch.Contains, "RUN")],
        });
        Assert.Equal(["run 03", "run 09", "run 15", "run 21", "run 27"], filtered.Items.Select(r => r.Name));
        Assert.Equal(5, filtered.Total);

        Assert.Throws<ArgumentException>(() => store.Query(new RunQuery { SortBy = "Password" }));
        Assert.Throws<ArgumentException>(() => store.Query(new RunQuery { Filters = [new RunFilter("Password", FilterMatch.Equal, "x")] }));
        Assert.Throws<ArgumentException>(() => store.Query(new RunQuery { Filters = [new RunFilter(RunFields.Name, (FilterMatch)99, "x")] }));
    }

    [Fact]
    public void AFileThatIsNotLiteDbStopsStartUpAndIsLeftAlone()
    {
        var path = _dir.File("runs.db");
        var content = "these are someone's notes, not a database"u8.ToArray();
        File.WriteAllBytes(path, content);

        var e = Assert.Throws<InvalidOperationException>(Open);

        Assert.Contains(path, e.Message);
        Assert.Contains("not a LiteDB database", e.Message);
        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void CheckpointsAndEvaluationsAreKeptPerRunAndGoWithIt()
    {
        var evaluation = new EvaluationResult(0.25, 0.5, [0, 1], [0, 0], [0.9f, 0.1f, 0.6f, 0.4f]);
        Guid id;
        using (var store = Open())
        {
            id = store.Create(TrainingConfig.ReportControl).Id;
            Assert.False(store.HasCheckpoint(id));
            store.SaveCheckpoint(id, [1, 2, 3]);
            store.SaveCheckpoint(id, [4, 5]); // replaced after every epoch
            store.SaveEvaluation(id, evaluation);
        }

        using var reopened = Open();
        Assert.True(reopened.HasCheckpoint(id));
        Assert.Equal(new byte[] { 4, 5 }, reopened.LoadCheckpoint(id));
        var loaded = reopened.LoadEvaluation(id)!;
        Assert.Equal((evaluation.MeanLoss, evaluation.Accuracy), (loaded.MeanLoss, loaded.Accuracy));
        Assert.Equal(evaluation.Truth, loaded.Truth);
        Assert.Equal(evaluation.Predictions, loaded.Predictions);
        Assert.Equal(evaluation.Probabilities, loaded.Probabilities);

        reopened.DeleteCheckpoint(id);
        Assert.False(reopened.HasCheckpoint(id));
        reopened.SaveCheckpoint(id, [7]);
        Assert.Equal(DeleteOutcome.Deleted, reopened.Delete(id));
        Assert.Null(reopened.LoadCheckpoint(id));
        Assert.Null(reopened.LoadEvaluation(id));
    }

    [Fact]
    public void AnEnsembleIsStoredQueuedWithItsMembers()
    {
        using var store = Open();
        var a = store.Create(TrainingConfig.ReportControl, "a");
        var b = store.Create(TrainingConfig.ReportBest, "b");

        var ensemble = store.CreateEnsemble([a, b]);

        var loaded = store.Get(ensemble.Id)!;
        Assert.True(loaded.IsEnsemble);
        Assert.False(a.IsEnsemble);
        Assert.Equal([a.Id, b.Id], loaded.EnsembleMembers);
        Assert.Equal((RunStatus.Queued, "Ensemble of 2: a + b", RunStore.EnsembleModelName), (loaded.Status, loaded.Name, loaded.Config.Model));
    }
}
