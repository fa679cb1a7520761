using System.Collections.Concurrent;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Analysis;

/// <summary>An analysis's table, with notes for the page about the selection (ids that name no run, only the newest runs read).</summary>
public sealed record AnalysisLoad(AnalysisTable Table, IReadOnlyList<string> Notes);

/// <summary>
/// Loads the runs of a scope as a table, and computes parameter importance off the caller's thread, one computation
/// at a time (a forest takes a core for a few hundred milliseconds), cached per set of runs and metric.
/// </summary>
public sealed class AnalysisService(RunStore store, ILogger<AnalysisService> logger)
{
    private const int CacheEntries = 64;
    private readonly ConcurrentDictionary<string, Lazy<Task<ImportanceResult>>> _importance = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _warmedUp;

    public AnalysisLoad Load(AnalysisScope scope)
    {
        var notes = new List<string>();
        IReadOnlyList<AnalysisRun> runs;
        if (scope.Ids is { } ids)
        {
            var found = ids.Select(store.Get).OfType<Run>().ToList();
            var missing = ids.Count - found.Count;
            if (missing > 0) notes.Add($"{missing} of the {ids.Count} ids name no run: they may have been deleted.");
            runs = AnalysisRun.From(found);
        }
        else
        {
            runs = store.AnalysisRuns(scope.Filters, AnalysisTable.MaxRuns + 1);
            if (runs.Count > AnalysisTable.MaxRuns)
            {
                runs = runs.Take(AnalysisTable.MaxRuns).ToList();
                notes.Add($"More than {AnalysisTable.MaxRuns:N0} runs match: the newest {AnalysisTable.MaxRuns:N0} are analyzed.");
            }
        }
        return new AnalysisLoad(AnalysisTable.Build(runs), notes);
    }

    /// <summary>
    /// Ranks a small made-up table once per process, so that the JIT compiles ML.NET's forest (~2 s of CPU in a fresh
    /// dashboard) while a page reads its runs, not after. Pages that will show an importance call it as they open.
    /// </summary>
    public void WarmUp()
    {
        if (Interlocked.Exchange(ref _warmedUp, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            await _gate.WaitAsync();
            try
            {
                ParameterImportance.Compute(WarmUpTable(), AnalysisMetrics.Accuracy);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Warming up parameter importance failed");
            }
            finally
            {
                _gate.Release();
            }
        });
    }

    private static AnalysisTable WarmUpTable() => AnalysisTable.Build(Enumerable.Range(0, 2 * ParameterImportance.MinRuns).Select(i => new AnalysisRun(
        Guid.NewGuid(), "warm-up", DateTime.UnixEpoch.AddMinutes(i), RunStatus.Completed,
        Dashboard.Training.TrainingConfig.ReportControl with { LearningRate = Math.Pow(10, -1 - i % 4), BatchSize = 32 << (i % 3) },
        false, 0.5 + 0.1 * (i % 4), 0.5, 0.5, 10)));

    /// <summary>The settings ranked for <paramref name="metric"/>; the same table and metric give the same task.</summary>
    public Task<ImportanceResult> ImportanceAsync(AnalysisTable table, string metric)
    {
        if (_importance.Count > CacheEntries) _importance.Clear();
        var key = table.Key + "|" + metric;
        return _importance.GetOrAdd(key, _ => new Lazy<Task<ImportanceResult>>(() => Task.Run(() => ComputeAsync(table, metric)))).Value;
    }

    private async Task<ImportanceResult> ComputeAsync(AnalysisTable table, string metric)
    {
        await _gate.WaitAsync();
        try
        {
            return ParameterImportance.Compute(table, metric);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            logger.LogError(e, "Parameter importance failed for {Runs} runs and {Metric}", table.Rows.Count, metric);
            _importance.TryRemove(table.Key + "|" + metric, out _);
            var label = AnalysisMetrics.Find(metric)?.Label ?? metric;
            return new ImportanceResult(metric, label, table.Rows.Count, null, [], $"The importance could not be computed: {e.Message}", TimeSpan.Zero);
        }
        finally
        {
            _gate.Release();
        }
    }
}
