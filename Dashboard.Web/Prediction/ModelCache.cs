using Dashboard.Training;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Web.Prediction;

/// <summary>
/// Trained models kept in memory, so a prediction does not reload weights from the database. Bounded;
/// the least recently used model is evicted (and its native memory freed) beyond the capacity.
/// </summary>
/// <remarks>
/// Each model is used by one caller at a time: a module is not documented as safe for concurrent
/// forward passes, and an evicted model must not be disposed while a prediction is running on it.
/// A prediction takes milliseconds, so the per-model lock costs nothing a user could notice.
/// </remarks>
public sealed class ModelCache : IDisposable
{
    private readonly RunStore _store;
    private readonly int _capacity;
    private readonly IDisposable _subscription;
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, LinkedListNode<Entry>> _entries = [];
    // Most recently used first.
    private readonly LinkedList<Entry> _order = new();
    private int _loads;
    private int _live;

    public ModelCache(RunStore store, RunNotifier notifier, IOptions<PredictionOptions> options)
    {
        _store = store;
        _capacity = options.Value.CacheCapacity;
        _subscription = notifier.Subscribe(e =>
        {
            if (e is RunDeleted deleted) Evict(deleted.RunId);
        });
    }

    /// <summary>Models currently loaded.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <summary>How many times weights were loaded from the store (a cache miss each).</summary>
    public int Loads => Volatile.Read(ref _loads);

    /// <summary>
    /// Models loaded and not yet disposed: the cached ones plus any evicted one still finishing a prediction.
    /// Ensemble members are cached one by one, so they count like any model.
    /// </summary>
    public int LiveModels => Volatile.Read(ref _live);

    /// <summary>Whether the run's model is loaded.</summary>
    public bool Contains(Guid runId)
    {
        lock (_lock) return _entries.ContainsKey(runId);
    }

    /// <summary>Runs <paramref name="use"/> on the run's model in evaluation mode, loading it on a miss.</summary>
    /// <exception cref="InvalidOperationException">The run has no stored weights.</exception>
    public T Use<T>(Run run, Func<nn.Module<Tensor, Tensor>, T> use)
    {
        while (true)
        {
            var entry = GetOrAdd(run);
            nn.Module<Tensor, Tensor> model;
            try
            {
                model = entry.Model.Value;
            }
            catch
            {
                // A failed load is not cached: the next request tries again.
                Remove(entry);
                throw;
            }
            lock (entry.Gate)
            {
                if (entry.Disposed)
                {
                    // Evicted while loading or waiting: free what the load made and take a fresh entry.
                    entry.DisposeModel();
                    continue;
                }
                return use(model);
            }
        }
    }

    private Entry GetOrAdd(Run run)
    {
        List<Entry> evicted = [];
        Entry entry;
        lock (_lock)
        {
            if (_entries.TryGetValue(run.Id, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return node.Value;
            }
            entry = new Entry(this, run.Id, new Lazy<nn.Module<Tensor, Tensor>>(() => Load(run), LazyThreadSafetyMode.ExecutionAndPublication));
            _entries[run.Id] = _order.AddFirst(entry);
            while (_order.Count > _capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(last.Value.RunId);
                evicted.Add(last.Value);
            }
        }
        foreach (var old in evicted) old.Dispose();
        return entry;
    }

    private nn.Module<Tensor, Tensor> Load(Run run)
    {
        TorchRuntime.Initialize();
        var weights = _store.LoadWeights(run.Id)
            ?? throw new InvalidOperationException($"Run {run.Id} ({run.Name}) has no stored weights.");
        var model = ModelCatalog.Create(run.Config.Model);
        try
        {
            ModelWeights.Load(model, weights);
            model.eval();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        Interlocked.Increment(ref _loads);
        Interlocked.Increment(ref _live);
        return model;
    }

    /// <summary>Drops the run's model, if loaded (its run was deleted).</summary>
    public void Evict(Guid runId)
    {
        Entry? entry = null;
        lock (_lock)
        {
            if (_entries.Remove(runId, out var node))
            {
                _order.Remove(node);
                entry = node.Value;
            }
        }
        entry?.Dispose();
    }

    private void Remove(Entry entry)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(entry.RunId, out var node) || node.Value != entry) return;
            _entries.Remove(entry.RunId);
            _order.Remove(node);
        }
        entry.Dispose();
    }

    public void Dispose()
    {
        _subscription.Dispose();
        List<Entry> all;
        lock (_lock)
        {
            all = [.. _order];
            _order.Clear();
            _entries.Clear();
        }
        foreach (var entry in all) entry.Dispose();
    }

    private sealed class Entry(ModelCache owner, Guid runId, Lazy<nn.Module<Tensor, Tensor>> model)
    {
        private bool _modelDisposed;

        public Guid RunId { get; } = runId;
        public Lazy<nn.Module<Tensor, Tensor>> Model { get; } = model;
        public Lock Gate { get; } = new();
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            lock (Gate)
            {
                Disposed = true;
                // A load still running is freed by its caller, which finds the entry disposed.
                if (Model.IsValueCreated) DisposeModel();
            }
        }

        public void DisposeModel()
        {
            lock (Gate)
            {
                if (_modelDisposed || !Model.IsValueCreated) return;
                _modelDisposed = true;
                Model.Value.Dispose();
                Interlocked.Decrement(ref owner._live);
            }
        }
    }
}
