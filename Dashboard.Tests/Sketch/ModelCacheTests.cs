using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Inference;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Web.Events;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace Dashboard.Tests.Sketch;

/// <summary>The cache with a real LiteDB store and real (untrained, differently seeded) models.</summary>
public sealed class ModelCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly RunNotifier _notifier = new(NullLogger<RunNotifier>.Instance);
    private readonly float[] _pixels;

    public ModelCacheTests()
    {
        TorchRuntime.Initialize();
        _store = new RunStore(Options.Create(new StorageOptions { DatabasePath = _dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);
        _pixels = RealData.Get().TestPixels.AsSpan(0, 784).ToArray().Select(b => (float)b).ToArray();
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private Run CompletedRun(int seed, bool withWeights = true)
    {
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = $"seed {seed}",
            Config = new TrainingConfig { Seed = seed },
            Status = RunStatus.Completed,
            CreatedUtc = DateTime.UtcNow,
            HasWeights = withWeights,
            Accuracy = 0.5 + seed / 100.0,
        };
        _store.InsertMany([run]);
        if (withWeights)
        {
            manual_seed(seed);
            using var model = new SeedCnn();
            _store.SaveWeights(run.Id, ModelWeights.Save(model));
        }
        return run;
    }

    private ModelCache Cache(int capacity) => new(_store, _notifier, Options.Create(new PredictionOptions { CacheCapacity = capacity }));

    [Fact]
    public void ALoadedModelIsReusedAndInEvaluationMode()
    {
        var run = CompletedRun(1);
        using var cache = Cache(2);

        var first = cache.Use(run, m => Classifier.Probabilities(m, _pixels));
        var second = cache.Use(run, m => Classifier.Probabilities(m, _pixels));
        var training = cache.Use(run, m => m.training);

        Assert.Equal(1, cache.Loads);
        Assert.Equal(first, second);
        Assert.False(training);
    }

    [Fact]
    public void TheLeastRecentlyUsedModelIsEvictedBeyondCapacity()
    {
        var (a, b, c) = (CompletedRun(1), CompletedRun(2), CompletedRun(3));
        using var cache = Cache(2);

        cache.Use(a, _ => 0);
        cache.Use(b, _ => 0);
        cache.Use(a, _ => 0);
        cache.Use(c, _ => 0);

        Assert.Equal(2, cache.Count);
        Assert.True(cache.Contains(a.Id));
        Assert.False(cache.Contains(b.Id));
        Assert.True(cache.Contains(c.Id));
        Assert.Equal(3, cache.Loads);
        cache.Use(b, _ => 0);
        Assert.Equal(4, cache.Loads);
        Assert.False(cache.Contains(a.Id));
    }

    [Fact]
    public void EnsembleMembersCountTowardTheCapacity()
    {
        var members = Enumerable.Range(1, 5).Select(seed => CompletedRun(seed)).ToList();
        var ensemble = new Run
        {
            Id = Guid.NewGuid(),
            Name = "ensemble of 5",
            Config = new TrainingConfig(),
            Status = RunStatus.Completed,
            CreatedUtc = DateTime.UtcNow,
            EnsembleMembers = members.Select(m => m.Id).ToList(),
        };
        _store.InsertMany([ensemble]);
        using var cache = Cache(3);
        var predictor = new Predictor(_store, cache);

        var prediction = predictor.Predict([ensemble.Id], _pixels);

        Assert.Equal(5, cache.Loads);
        Assert.Equal(3, cache.Count);
        // The two evicted members were freed, not left alive beside the three cached ones.
        Assert.Equal(3, cache.LiveModels);
        Assert.Equal(1f, prediction.Ensemble.Probabilities.Sum(), 3);
        var alone = members.Select(m => cache.Use(m, model => Classifier.Probabilities(model, _pixels))).ToList();
        Assert.Equal(Classifier.Mean(alone), prediction.Ensemble.Probabilities, new FloatTolerance(1e-5f));
        Assert.Equal(3, cache.LiveModels);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }

    [Fact]
    public void ADeletedRunsModelIsDropped()
    {
        var run = CompletedRun(1);
        using var cache = Cache(2);
        cache.Use(run, _ => 0);

        _notifier.Publish(new RunDeleted(run.Id));

        Assert.False(cache.Contains(run.Id));
    }

    [Fact]
    public void ARunWithoutWeightsFailsAndIsNotCached()
    {
        var run = CompletedRun(1, withWeights: false);
        using var cache = Cache(2);

        var e = Assert.Throws<InvalidOperationException>(() => cache.Use(run, _ => 0));

        Assert.Contains("no stored weights", e.Message);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task ConcurrentPredictionsWhileEvictingGiveEachModelsOwnAnswer()
    {
        var runs = new[] { CompletedRun(1), CompletedRun(2), CompletedRun(3) };
        Dictionary<Guid, float[]> expected;
        using (var reference = Cache(3))
            expected = runs.ToDictionary(r => r.Id, r => reference.Use(r, m => Classifier.Probabilities(m, _pixels)));
        // Capacity 2 for 3 runs: models are evicted and reloaded while other threads predict.
        using var cache = Cache(2);

        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                var run = runs[(worker + i) % runs.Length];
                var probabilities = cache.Use(run, m => Classifier.Probabilities(m, _pixels));
                Assert.Equal(expected[run.Id], probabilities);
            }
        }));
        await Task.WhenAll(workers);

        Assert.True(cache.Loads > 3, "the cache never evicted, so the test proved nothing");
        Assert.InRange(cache.Count, 1, 2);
    }
}
