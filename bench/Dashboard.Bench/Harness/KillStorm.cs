using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Models;
using Dashboard.Training.Runtime;
using Dashboard.Training;
using static TorchSharp.torch;

namespace Dashboard.Bench.Harness;

/// <summary>Where in a run's life a kill is aimed.</summary>
public enum KillPhase
{
    /// <summary>The process is up, a run is queued and none is running: the training service is loading the data set.</summary>
    LoadingData,
    /// <summary>Within an epoch's batches.</summary>
    MidBatch,
    /// <summary>After an epoch's last batch, while the test set is evaluated.</summary>
    Evaluating,
    /// <summary>
    /// While a (not final) epoch and its checkpoint are written: after the epoch's last batch, once the database's
    /// files start changing and before the epoch's event (the service publishes it after that one transaction).
    /// </summary>
    Checkpoint,
    /// <summary>After the final epoch's event, while weights, evaluation and status are written.</summary>
    Finishing,
}

public sealed record KillStormOptions
{
    public int Kills { get; init; } = 20;
    public int Runs { get; init; } = 3;
    public int Epochs { get; init; } = 3;
    public int TrainSubset { get; init; } = 2000;
    public int Seed { get; init; } = 1;
    /// <summary>The phases to aim at, in order; null for <see cref="Kills"/> spread evenly over every phase in a seeded order.</summary>
    public IReadOnlyList<KillPhase>? Phases { get; init; }
    /// <summary>The whole storm's bound; what is not done by then is reported as a violation.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(40);
    /// <summary>How long to wait for an aimed phase before moving on (the kill is then reported as not placed).</summary>
    public TimeSpan AimTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>One kill: the phase aimed at, and as Hit what the harness last saw of the process before it (the evidence of the phase).</summary>
public sealed record KillRecord(int Number, KillPhase Aimed, string Hit, Guid? RunId, double SecondsIntoStorm, double? RestartSeconds);

public sealed record RunCheck(Guid Id, string Name, string Status, IReadOnlyList<int> Epochs, double? StoredAccuracy, double? EvaluatedAccuracy, string? WeightsSha256);

public sealed record KillStormReport(IReadOnlyList<KillRecord> Kills, IReadOnlyList<string> NotPlaced, IReadOnlyList<RunCheck> Runs, IReadOnlyList<string> Violations, TimeSpan Elapsed)
{
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// kill -9 of the real dashboard at chosen moments of a study, restart, resume, and at the end check that
/// every run completed with each epoch once, that its weights evaluate to its stored accuracy, and that
/// nothing once completed was lost. Loopback only; bounded by kill count and <see cref="KillStormOptions.Deadline"/>.
/// </summary>
public sealed class KillStorm : IAsyncDisposable
{
    private const double AccuracyTolerance = 1e-3;
    private readonly KillStormOptions _o;
    private readonly TextWriter _log;
    private readonly Random _random;
    private readonly string _dir;
    private readonly DashboardProcess.Settings _settings;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Guid> _runIds = [];
    private readonly Dictionary<Guid, string> _firstSeenCompleted = [];
    private readonly List<string> _violations = [];
    private readonly List<KillRecord> _kills = [];
    private readonly List<string> _notPlaced = [];
    private readonly List<string> _errors = [];
    private readonly HashSet<Guid> _unsuccessful = [];
    private DashboardProcess? _process;
    private HttpClient? _http;
    private HubWatcher? _hub;
    private HubEvent? _lastEvent;
    private Task? _up;
    private HashSet<Guid> _awaitingResume = [];

    private KillStorm(KillStormOptions options, TextWriter log)
    {
        _o = options;
        _log = log;
        _random = new Random(options.Seed);
        _dir = Directory.CreateTempSubdirectory("dashboard-kill-storm-").FullName;
        _settings = new DashboardProcess.Settings(Path.Combine(_dir, "dashboard.db"), Path.Combine(_dir, "fashion-mnist"));
    }

    public static async Task<KillStormReport> RunAsync(KillStormOptions options, TextWriter log)
    {
        await using var storm = new KillStorm(options, log);
        return await storm.RunAsync();
    }

    private DateTime Deadline => DateTime.UtcNow + (_o.Deadline - _clock.Elapsed);

    private async Task<KillStormReport> RunAsync()
    {
        Start();
        await UpAsync();
        await LaunchAsync();
        var plan = Plan();
        for (var i = 0; i < plan.Count; i++)
        {
            var (phase, number) = (plan[i], i + 1);
            if (_clock.Elapsed > _o.Deadline) { _notPlaced.Add($"kill {number} ({phase}): the storm's deadline passed"); continue; }
            var hit = phase == KillPhase.LoadingData ? await AimAtLoadingAsync() : await AimAsync(phase);
            if (hit is null)
            {
                _notPlaced.Add($"kill {number} ({phase}): the phase did not come within {_o.AimTimeout.TotalSeconds:F0} s");
                continue;
            }
            var at = _clock.Elapsed.TotalSeconds;
            _process!.Kill();
            if (_up is not null) await Quietly(_up);
            // The run it cut off is expected to be Interrupted at the restart (not evidence against a later loading kill).
            if (hit.Value.RunId is { } cut) _awaitingResume.Add(cut);
            var restart = Stopwatch.StartNew();
            Start();
            _kills.Add(new KillRecord(number, phase, hit.Value.Evidence, hit.Value.RunId, at, null));
            // A kill aimed at loading needs to watch the next process from its start, so it waits for the API itself.
            if (i + 1 < plan.Count && plan[i + 1] == KillPhase.LoadingData) _up = UpAsync();
            else
            {
                await UpAsync();
                _kills[^1] = _kills[^1] with { RestartSeconds = restart.Elapsed.TotalSeconds };
            }
            _log.WriteLine($"kill {number,2} aimed {phase,-11} hit: {_kills[^1].Hit}");
        }
        if (_up is not null) await _up;
        await WaitForAllFinishedAsync();
        var runs = await CheckRunsAsync();
        return new KillStormReport(_kills, _notPlaced, runs, _violations, _clock.Elapsed);
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The process it talked to was killed.
        }
    }

    /// <summary>Every phase equally often (the first ones once more when the count does not divide), in a seeded order.</summary>
    private List<KillPhase> Plan()
    {
        if (_o.Phases is { } fixedPlan) return fixedPlan.ToList();
        var phases = Enum.GetValues<KillPhase>();
        var plan = Enumerable.Range(0, _o.Kills).Select(i => phases[i % phases.Length]).ToArray();
        _random.Shuffle(plan);
        return plan.ToList();
    }

    /// <summary>Starts (or restarts) the dashboard process; <see cref="UpAsync"/> then waits for it.</summary>
    private void Start()
    {
        if (_process is not null) KeepErrors(_process);
        _process?.Dispose();
        _process = DashboardProcess.Start(_settings);
        _up = null;
    }

    /// <summary>Waits for the API, connects to the hub, notes completed runs and resumes interrupted ones.</summary>
    private async Task UpAsync()
    {
        if (_hub is not null) await _hub.DisposeAsync();
        _hub = null;
        _http?.Dispose();
        _http = new HttpClient { BaseAddress = _process!.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await _process.WaitUntilUpAsync(_http, TimeSpan.FromSeconds(120));
        _hub = await HubWatcher.ConnectAsync(_process.BaseAddress);
        var interrupted = new List<Guid>();
        var before = _awaitingResume.ToHashSet();
        foreach (var (id, status) in await DashboardApi.ListAsync(_http))
        {
            if (!_runIds.Contains(id)) continue;
            if (status == "Completed") await NoteCompletedAsync(id);
            else if (status == "Interrupted") interrupted.Add(id);
            else if (status is "Failed" or "Cancelled" or "Diverged" && _unsuccessful.Add(id)) await NoteUnsuccessfulAsync(id);
        }
        // The evidence of a kill aimed at loading: had its run been marked Running (then it is Interrupted now)?
        if (_kills.Count > 0 && _kills[^1] is { Aimed: KillPhase.LoadingData } last && !last.Hit.Contains("at restart", StringComparison.Ordinal))
        {
            var cutOff = interrupted.Except(before).Count();
            _kills[^1] = last with { Hit = last.Hit + (cutOff == 0 ? "; at restart no run had become Interrupted (none had started training)" : $"; at restart {cutOff} more run(s) Interrupted (training had started)") };
        }
        _awaitingResume = interrupted.ToHashSet();
        foreach (var id in interrupted)
        {
            using var response = await _http.PostAsync($"api/runs/{id}/resume", null);
            _awaitingResume.Remove(id);
            if (!response.IsSuccessStatusCode)
                _violations.Add($"resume of run {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task LaunchAsync()
    {
        var control = new { epochs = _o.Epochs, batchSize = 128, trainSubset = _o.TrainSubset, threads = 2, seed = 42 };
        if (_o.Runs == 1)
        {
            // A study has at least two runs (the control and one alternative): one run is launched on its own.
            using var response = await _http!.PostAsJsonAsync("api/runs", new { config = control, name = "kill storm" });
            response.EnsureSuccessStatusCode();
            _runIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
            return;
        }
        // One parameter at a time: the control plus Runs - 1 learning rates.
        var rates = Enumerable.Range(1, _o.Runs - 1).Select(i => 1e-3 * Math.Pow(2, i % 2 == 1 ? (i + 1) / 2 : -(i / 2))).ToList();
        var design = new { name = $"kill storm {_runIds.Count / _o.Runs + 1}", mode = "OneAtATime", control, alternatives = new { learningRates = rates } };
        using var created = await _http!.PostAsJsonAsync("api/studies", design);
        if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"The study was refused: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var study = await created.Content.ReadFromJsonAsync<JsonElement>();
        _runIds.AddRange(study.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("runId").GetGuid()));
    }

    /// <summary>Waits for <paramref name="phase"/> in the live events; null if it does not come in time.</summary>
    private async Task<(string Evidence, Guid? RunId)?> AimAsync(KillPhase phase)
    {
        if (phase == KillPhase.LoadingData) return await AimAtLoadingAsync();
        if (_up is not null) await _up;
        if (await AllFinishedAsync())
        {
            _log.WriteLine($"all {_runIds.Count} runs finished with kills left: launching {_o.Runs} more");
            await LaunchAsync();
        }
        // Mid-batch kills land at a seeded fraction of the epoch, not always at its first report.
        var fraction = _random.NextDouble() * 0.8;
        using var timeout = new CancellationTokenSource(Min(_o.AimTimeout, Deadline - DateTime.UtcNow));
        try
        {
            while (true)
            {
                var e = await _hub!.Live.ReadAsync(timeout.Token);
                _lastEvent = e;
                if (e.Kind == "RunFinished" && e.Status != "Completed" && _runIds.Contains(e.RunId) && _unsuccessful.Add(e.RunId))
                    await NoteUnsuccessfulAsync(e.RunId);
                if (e.Kind == "RunFinished")
                {
                    if (e.Status == "Completed") await NoteCompletedAsync(e.RunId);
                    if (await AllFinishedAsync())
                    {
                        _log.WriteLine($"all {_runIds.Count} runs finished with kills left: launching {_o.Runs} more");
                        await LaunchAsync();
                    }
                }
                if (!Matches(phase, e, fraction)) continue;
                if (phase == KillPhase.Checkpoint)
                {
                    if (await AimAtCheckpointWriteAsync(e, timeout.Token) is { } written) return written;
                    continue;
                }
                await Task.Delay(phase switch
                {
                    KillPhase.MidBatch => _random.Next(0, 80),
                    KillPhase.Evaluating => _random.Next(0, 150),
                    KillPhase.Checkpoint => _random.Next(0, 30),
                    _ => _random.Next(0, 150),
                });
                // Whatever else arrived meanwhile is part of the evidence.
                while (_hub.Live.TryRead(out var later)) _lastEvent = later;
                return (Describe(_lastEvent), _lastEvent.RunId);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private bool Matches(KillPhase phase, HubEvent e, double fraction) => phase switch
    {
        KillPhase.MidBatch => e is { Kind: "BatchProgress" } && e.Batch < e.BatchesPerEpoch && e.Batch >= fraction * (e.BatchesPerEpoch - 1),
        KillPhase.Evaluating => e is { Kind: "BatchProgress" } && e.Batch == e.BatchesPerEpoch,
        KillPhase.Checkpoint => e is { Kind: "BatchProgress" } && e.Batch == e.BatchesPerEpoch && e.Epoch < _o.Epochs,
        KillPhase.Finishing => e is { Kind: "EpochCompleted" } && e.Epoch == _o.Epochs,
        _ => false,
    };

    private string Describe(HubEvent e) => e.Kind switch
    {
        "BatchProgress" when e.Batch < e.BatchesPerEpoch => $"mid-batch: epoch {e.Epoch}, after batch {e.Batch}/{e.BatchesPerEpoch}",
        "BatchProgress" => $"evaluating: epoch {e.Epoch}'s last batch done, its epoch event not yet seen",
        "EpochCompleted" when e.Epoch == _o.Epochs => $"finishing: after the final epoch's event (epoch {e.Epoch})",
        "EpochCompleted" => $"checkpoint: after the event of epoch {e.Epoch}",
        "RunFinished" => $"after RunFinished {e.Status}",
        "RunStarted" => "after RunStarted, before the first batch report",
        _ => $"after {e.Kind}",
    } + $", {(DateTime.UtcNow - e.ReceivedUtc).TotalMilliseconds:F0} ms after that event";

    /// <summary>
    /// The epoch and its checkpoint are stored in one transaction after the test set is evaluated, and only then is
    /// the epoch published, so no hub event marks the write. Watch the database file and LiteDB's log beside it from
    /// the epoch's last batch; kill 0–40 ms after they first change, unless the epoch's event came first (a miss:
    /// aim at the next epoch). Null when nothing changed before the event.
    /// </summary>
    private async Task<(string Evidence, Guid? RunId)?> AimAtCheckpointWriteAsync(HubEvent lastBatch, CancellationToken token)
    {
        var files = new[] { _settings.DatabasePath, Dashboard.Web.Storage.RunStore.LogFile(_settings.DatabasePath) };
        var before = files.Select(Signature).ToArray();
        while (true)
        {
            token.ThrowIfCancellationRequested();
            while (_hub!.Live.TryRead(out var e))
            {
                _lastEvent = e;
                if (e is { Kind: "EpochCompleted" } && e.RunId == lastBatch.RunId) return null;
            }
            var now = files.Select(Signature).ToArray();
            if (!now.SequenceEqual(before))
            {
                var seen = DateTime.UtcNow;
                await Task.Delay(_random.Next(0, 40), token);
                var evidence = $"checkpoint write: epoch {lastBatch.Epoch}'s last batch done, database files changed {(DateTime.UtcNow - seen).TotalMilliseconds:F0} ms before the kill "
                    + $"(log {before[1].Length:N0} → {now[1].Length:N0} bytes, file {before[0].Length:N0} → {now[0].Length:N0} bytes)";
                while (_hub.Live.TryRead(out var later)) _lastEvent = later;
                var published = _lastEvent is { Kind: "EpochCompleted" } && _lastEvent.RunId == lastBatch.RunId;
                return (evidence + (published ? ", its epoch event arrived just before the kill" : ", its epoch event not yet seen"), lastBatch.RunId);
            }
            await Task.Delay(1, token);
        }
    }

    private static (long Length, DateTime Written) Signature(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : (0, default);
    }

    /// <summary>
    /// The training service loads the data set on a thread named "data set load" (TorchThread) when its first
    /// run of a process starts, before it marks the run Running. Watch the process's threads for it, kill at a
    /// random moment while it lives, and check at the restart that no run had been marked Running.
    /// </summary>
    private async Task<(string Evidence, Guid? RunId)?> AimAtLoadingAsync()
    {
        const string loader = "data set load";
        var process = _process!;
        var deadline = DateTime.UtcNow + Min(_o.AimTimeout, Deadline - DateTime.UtcNow);
        var lastCheck = Stopwatch.StartNew();
        while (!process.HasThread(loader))
        {
            if (DateTime.UtcNow > deadline || process.HasExited) return null;
            // Loading comes once per process: once a run has started in this one, it will not come again.
            if ((_up is null || _up.IsCompleted) && lastCheck.ElapsedMilliseconds > 500)
            {
                lastCheck.Restart();
                if (_up is { IsFaulted: true }) await _up;
                if (_hub?.Events.Any(e => e.Kind is "RunStarted" or "BatchProgress") == true) return null;
                if (await AllFinishedAsync())
                {
                    _log.WriteLine($"all {_runIds.Count} runs finished with kills left: launching {_o.Runs} more");
                    await LaunchAsync();
                }
            }
            await Task.Delay(2);
        }
        var seen = DateTime.UtcNow;
        await Task.Delay(_random.Next(0, 400));
        var alive = process.HasThread(loader);
        return (alive
            ? $"loading data: thread '{loader}' alive {(DateTime.UtcNow - seen).TotalMilliseconds:F0} ms after it was first seen"
            : $"missed loading: thread '{loader}' had ended {(DateTime.UtcNow - seen).TotalMilliseconds:F0} ms after it was first seen", null);
    }

    /// <summary>The dashboard's logged failures ("fail:" and the lines after), kept across restarts as evidence.</summary>
    private void KeepErrors(DashboardProcess process)
    {
        var lines = process.Output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith("fail:", StringComparison.Ordinal))
                _errors.Add($"[pid {process.Id}] " + string.Join(" | ", lines.Skip(i).Take(6).Select(l => l.Trim())));
    }

    /// <summary>A run that ended otherwise than Completed: a violation, with the last kill before it and the dashboard's log about it.</summary>
    private async Task NoteUnsuccessfulAsync(Guid id)
    {
        var run = await DashboardApi.GetRunAsync(_http!, id);
        var last = _kills.LastOrDefault();
        KeepErrors(_process!);
        var log = _errors.Where(e => e.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase)).DefaultIfEmpty("(no log line names it)");
        _violations.Add($"run {run?.Name} ({id}) ended {run?.Status}: {run?.StatusReason} — {_kills.Count} kill(s) so far, the last: " +
            $"{(last is null ? "none" : $"#{last.Number} {last.Aimed} ({last.Hit})")}; stored epochs [{string.Join(",", run?.Epochs ?? [])}]; dashboard log: {string.Join(" // ", log)}");
    }

    private async Task<bool> AllFinishedAsync()
    {
        var runs = await DashboardApi.ListAsync(_http!);
        return _runIds.All(id => runs.Any(r => r.Id == id && r.Status is not ("Queued" or "Running" or "Interrupted")));
    }

    private async Task WaitForAllFinishedAsync()
    {
        while (!await AllFinishedAsync())
        {
            if (DateTime.UtcNow > Deadline)
            {
                var runs = await DashboardApi.ListAsync(_http!);
                _violations.Add($"not every run completed within the deadline: {string.Join(", ", runs.Where(r => _runIds.Contains(r.Id)).Select(r => $"{r.Id}={r.Status}"))}");
                return;
            }
            if (_process!.HasExited)
            {
                _violations.Add($"the dashboard exited by itself with code {_process.ExitCode}:\n{_process.Tail()}");
                return;
            }
            foreach (var (id, status) in await DashboardApi.ListAsync(_http!))
                if (_runIds.Contains(id) && status == "Completed") await NoteCompletedAsync(id);
            await Task.Delay(500);
        }
        foreach (var (id, status) in await DashboardApi.ListAsync(_http!))
        {
            if (!_runIds.Contains(id)) continue;
            if (status == "Completed") await NoteCompletedAsync(id);
            else if (_unsuccessful.Add(id)) await NoteUnsuccessfulAsync(id);
        }
    }

    /// <summary>Keeps the SHA-256 of a completed run's weights the first time it is seen, to check later that they never change.</summary>
    private async Task NoteCompletedAsync(Guid id)
    {
        if (_firstSeenCompleted.ContainsKey(id)) return;
        var (status, bytes, body) = await DashboardApi.GetWeightsAsync(_http!, id);
        if (status != 200)
        {
            _violations.Add($"run {id} is Completed but its weights answered {status}: {body}");
            _firstSeenCompleted[id] = "";
            return;
        }
        _firstSeenCompleted[id] = DashboardApi.Sha256(bytes);
    }

    private async Task<List<RunCheck>> CheckRunsAsync()
    {
        TorchRuntime.Initialize();
        set_num_threads(2);
        using var data = FashionMnistData.Load(DashboardProcess.DefaultSystemDataset, verifyChecksums: false);
        var checks = new List<RunCheck>();
        foreach (var id in _runIds)
        {
            var run = await DashboardApi.GetRunAsync(_http!, id);
            if (run is null)
            {
                _violations.Add($"run {id} is gone");
                checks.Add(new RunCheck(id, "?", "missing", [], null, null, null));
                continue;
            }
            if (run.Status != "Completed") _violations.Add($"run {run.Name} ({id}) ended {run.Status}: {run.StatusReason}");
            if (!run.Epochs.Order().SequenceEqual(Enumerable.Range(1, run.ConfigEpochs)))
                _violations.Add($"run {run.Name} ({id}) has epochs [{string.Join(", ", run.Epochs)}], expected 1..{run.ConfigEpochs} each once");
            var (status, bytes, body) = await DashboardApi.GetWeightsAsync(_http!, id);
            double? evaluated = null;
            string? sha = null;
            if (status != 200) _violations.Add($"run {run.Name} ({id}): weights download answered {status}: {body}");
            else
            {
                sha = DashboardApi.Sha256(bytes);
                if (_firstSeenCompleted.TryGetValue(id, out var first) && first.Length > 0 && first != sha)
                    _violations.Add($"run {run.Name} ({id}): weights changed after it was first seen Completed ({first[..12]} → {sha[..12]})");
                evaluated = Evaluate(run.Model, bytes, data, out var error);
                if (error is not null) _violations.Add($"run {run.Name} ({id}): the downloaded weights do not load: {error}");
                else if (run.Accuracy is not { } stored || Math.Abs(stored - evaluated!.Value) > AccuracyTolerance)
                    _violations.Add($"run {run.Name} ({id}): weights evaluate to {evaluated:P2}, the run stores {run.Accuracy:P2}");
            }
            checks.Add(new RunCheck(id, run.Name, run.Status, run.Epochs, run.Accuracy, evaluated, sha));
        }
        foreach (var id in _firstSeenCompleted.Keys.Where(id => checks.All(c => c.Id != id)))
            _violations.Add($"run {id} was seen Completed but is not in the final check");
        return checks;
    }

    private static double? Evaluate(string model, byte[] weights, FashionMnistData data, out string? error)
    {
        error = null;
        try
        {
            using var scope = NewDisposeScope();
            using var module = ModelWeights.Load(ModelCatalog.Create(model), weights);
            return Evaluator.Evaluate(module, data.TestImages, data.TestLabels, CPU).Accuracy;
        }
        catch (InvalidDataException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b < TimeSpan.Zero ? TimeSpan.Zero : b;

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null) await _hub.DisposeAsync();
        _http?.Dispose();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Prints the report as the bench and docs show it.</summary>
    public static void Print(KillStormReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"kill storm: {report.Kills.Count} kills placed, {report.NotPlaced.Count} not placed, {report.Runs.Count} runs, {report.Elapsed.TotalSeconds:F0} s");
        foreach (var group in report.Kills.GroupBy(k => k.Aimed).OrderBy(g => g.Key))
        {
            var restarts = group.Select(k => k.RestartSeconds).OfType<double>().Order().ToList();
            output.WriteLine($"  {group.Key,-11} {group.Count()} kill(s){(restarts.Count > 0 ? $"; restart to API up: median {restarts[restarts.Count / 2]:F1} s" : "")}");
        }
        foreach (var n in report.NotPlaced) output.WriteLine($"  not placed: {n}");
        foreach (var r in report.Runs)
            output.WriteLine($"  run {r.Name}: {r.Status}, epochs [{string.Join(",", r.Epochs)}], stored {r.StoredAccuracy:P2}, weights evaluate to {r.EvaluatedAccuracy:P2}, sha {r.WeightsSha256?[..12]}");
        output.WriteLine(report.Passed ? "PASS: every property held" : $"FAIL: {report.Violations.Count} violation(s)");
        foreach (var v in report.Violations) output.WriteLine($"  violation: {v}");
    }
}
