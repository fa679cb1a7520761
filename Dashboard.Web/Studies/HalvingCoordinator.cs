using System.Threading.Channels;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;

namespace Dashboard.Web.Studies;

/// <summary>
/// Runs halving studies between their rungs. When a trial's run ends (Paused at a rung, completed, failed…), the
/// coordinator records its rung result in the study, asks <see cref="AshaScheduler"/> what follows, continues promoted
/// trials from their checkpoint through <see cref="TrainingService.Continue"/> (the queue's own path, so it works with
/// whatever runs the queue: this process or training workers) and stops the others (<see cref="RunStatus.StoppedEarly"/>).
/// Everything it decides is stored with the study, so at start it resumes trials interrupted by the stop and takes
/// the decisions still pending. Decisions are taken one study at a time, off the publisher's thread.
/// </summary>
public sealed class HalvingCoordinator(StudyStore studies, RunStore runs, TrainingService training, RunNotifier notifier, ILogger<HalvingCoordinator> logger)
    : BackgroundService
{
    // A study to look at, or null for every open halving study (at start, and when a run is deleted).
    private readonly Channel<Guid?> _work = Channel.CreateUnbounded<Guid?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private IDisposable? _subscription;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Registered after the runners, so runs cut off by the stop are already marked Interrupted.
        _subscription = notifier.Subscribe(OnRunEvent);
        foreach (var study in OpenStudies()) ResumeInterrupted(study);
        _work.Writer.TryWrite(null);
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return base.StopAsync(cancellationToken);
    }

    /// <summary>Asks for the study's pending decisions to be taken (after its launch stored it).</summary>
    public void Signal(Guid studyId) => _work.Writer.TryWrite(studyId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _work.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (item is { } id) Advance(id);
                else foreach (var study in OpenStudies()) Advance(study.Id);
            }
            catch (Exception e)
            {
                // The next event of the study tries again; the rest of the studies go on.
                logger.LogError(e, "Halving decisions for study {StudyId} failed", item);
            }
        }
    }

    private void OnRunEvent(RunEvent e)
    {
        if (e is RunDeleted) _work.Writer.TryWrite(null);
        else if (e is RunFinished && runs.Get(e.RunId)?.StudyId is { } studyId) _work.Writer.TryWrite(studyId);
    }

    /// <summary>Halving studies with something left to do: unfinished runs, a completed trial whose last rung is not recorded yet, or (cancelled) a result still waiting.</summary>
    private IEnumerable<Study> OpenStudies() =>
        studies.List().Where(s => s.Design.Mode == StudyMode.Halving && (s.CancelledUtc is null ? NeedsLook(s) : s.Rungs.Any(r => r.Outcome == RungOutcome.Waiting)));

    private bool NeedsLook(Study study)
    {
        var progress = studies.View(study).Progress;
        return !progress.IsFinished || progress.Completed > study.Rungs.Count(r => r.Outcome == RungOutcome.Completed);
    }

    private void ResumeInterrupted(Study study)
    {
        foreach (var member in study.Members)
        {
            if (runs.Get(member.RunId) is not { Status: RunStatus.Interrupted } run) continue;
            var resumed = training.Resume(run.Id);
            if (resumed.Succeeded) logger.LogInformation("Study {StudyId}: trial {Group} resumed after the restart", study.Id, member.Group);
            else logger.LogWarning("Study {StudyId}: trial {Group} could not be resumed after the restart: {Error}", study.Id, member.Group, resumed.Error);
        }
    }

    /// <summary>Records new rung results of the study's trials, then takes and applies the scheduler's decisions.</summary>
    public void Advance(Guid studyId)
    {
        lock (_lock) AdvanceLocked(studyId);
    }

    private void AdvanceLocked(Guid studyId)
    {
        if (studies.Get(studyId) is not { Design: { Mode: StudyMode.Halving, Halving: { } halving } } study) return;
        var rungs = halving.Rungs();
        var trials = study.Members.ToDictionary(m => m.Group, m => runs.Get(m.RunId));
        var results = study.Rungs.ToList();
        var open = study.CancelledUtc is null;
        var changed = open && Record(trials, rungs, results);
        var decisions = open
            ? AshaScheduler.Decide(rungs, halving.Reduction, trials.Select(t => new AshaTrial(t.Key, IsAlive(t.Value), results.Where(r => r.Group == t.Key).ToList())).ToList())
            : results.Where(r => r.Outcome == RungOutcome.Waiting).Select(r => new AshaDecision(r.Group, r.Rung, RungOutcome.Withdrawn, "The study was cancelled.")).ToList();
        foreach (var decision in decisions)
        {
            if (!Apply(study, trials[decision.Group], decision, rungs)) continue;
            var i = results.FindIndex(r => r.Group == decision.Group && r.Rung == decision.Rung);
            results[i] = results[i] with { Outcome = decision.Outcome, Reason = decision.Reason, DecidedUtc = DateTime.UtcNow };
            changed = true;
        }
        if (!open) CancelPaused(study, trials.Values);
        if (!changed) return;
        studies.Update(study with { Rungs = results });
        // Run events went out before the study was written (a stop, a promotion's queuing): pages showing the study read it again.
        notifier.Publish(new StudyRungsChanged(study.Members[0].RunId, study.Id));
    }

    /// <summary>
    /// Stops the study's search: no more promotions, and its trials waiting at a rung are cancelled (resumable by hand, to
    /// their end). Queued and running trials are cancelled by the caller. Returns how many waiting trials were cancelled.
    /// </summary>
    public int Cancel(Guid studyId)
    {
        lock (_lock)
        {
            if (studies.Get(studyId) is not { Design.Mode: StudyMode.Halving } study) return 0;
            if (study.CancelledUtc is null) studies.Update(study = study with { CancelledUtc = DateTime.UtcNow });
            // Without a rung to pause at, a cancelled trial resumed by hand trains to its end.
            foreach (var member in study.Members) runs.Update(member.RunId, r => r with { PauseAfterEpoch = null });
            var cancelled = CancelPaused(study, study.Members.Select(m => runs.Get(m.RunId)));
            AdvanceLocked(studyId);
            return cancelled;
        }
    }

    private int CancelPaused(Study study, IEnumerable<Run?> trials)
    {
        var cancelled = 0;
        foreach (var run in trials.OfType<Run>().Where(r => r.Status == RunStatus.Paused))
        {
            var reason = $"Cancelled with its study while it waited at epoch {run.Epochs.Count}; resume it to train it to the end.";
            var done = false;
            runs.Update(run.Id, r =>
            {
                done = r.Status == RunStatus.Paused;
                return done ? r with { Status = RunStatus.Cancelled, StatusReason = reason, PauseAfterEpoch = null, FinishedUtc = DateTime.UtcNow } : r;
            });
            if (!done) continue;
            cancelled++;
            notifier.Publish(new RunFinished(run.Id, RunStatus.Cancelled, reason, run.Accuracy));
            logger.LogInformation("Study {StudyId}: trial run {RunId} cancelled while paused", study.Id, run.Id);
        }
        return cancelled;
    }

    /// <summary>Adds the rung results of trials that paused at a rung or completed the last one since the last look.</summary>
    private bool Record(IReadOnlyDictionary<int, Run?> trials, IReadOnlyList<int> rungs, List<RungResult> results)
    {
        var added = false;
        foreach (var (group, run) in trials)
        {
            if (run is null || run.Epochs.Count == 0 || run.Status is not (RunStatus.Paused or RunStatus.Completed)) continue;
            var last = run.Epochs.MaxBy(e => e.Epoch)!;
            var rung = rungs.ToList().IndexOf(last.Epoch);
            // A run completed before the last rung (its own early stopping) reached no rung here: it just leaves the search.
            if (rung < 0 || run.Status == RunStatus.Completed && rung != rungs.Count - 1) continue;
            if (results.Any(r => r.Group == group && r.Rung == rung)) continue;
            results.Add(new RungResult
            {
                Group = group,
                Rung = rung,
                Epoch = last.Epoch,
                Accuracy = last.ValidationAccuracy ?? last.TestAccuracy,
                Loss = last.ValidationLoss ?? last.TestLoss,
                TestAccuracy = last.TestAccuracy,
                ReachedUtc = last.EndedUtc ?? DateTime.UtcNow,
                Outcome = rung == rungs.Count - 1 ? RungOutcome.Completed : RungOutcome.Waiting,
            });
            added = true;
            // The trainer's reason only says it paused; the run's page should say what it waits for.
            var waiting = $"Waiting at epoch {last.Epoch} ({AshaScheduler.RungName(rung, rungs)}) of its study: continued if among the best 1/η once the rung can be ranked, else stopped.";
            if (run.Status == RunStatus.Paused) runs.Update(run.Id, r => r.Status == RunStatus.Paused ? r with { StatusReason = waiting } : r);
        }
        return added;
    }

    /// <summary>A trial that can still train: queued, running, paused at a rung, or interrupted (resumed at the next start).</summary>
    private static bool IsAlive(Run? run) => run?.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Paused or RunStatus.Interrupted;

    /// <summary>Does what <paramref name="decision"/> says to the trial's run; false when it could not (tried again at the next look).</summary>
    private bool Apply(Study study, Run? run, AshaDecision decision, IReadOnlyList<int> rungs)
    {
        if (decision.Outcome == RungOutcome.Withdrawn || run is null) return true;
        if (decision.Outcome == RungOutcome.Promoted)
        {
            var next = rungs[decision.Rung + 1];
            var continued = training.Continue(run.Id, next == rungs[^1] ? null : next, decision.Reason);
            if (!continued.Succeeded) logger.LogWarning("Study {StudyId}: trial {Group} could not continue: {Error}", study.Id, decision.Group, continued.Error);
            else logger.LogInformation("Study {StudyId}: trial {Group} promoted at rung {Rung}", study.Id, decision.Group, decision.Rung + 1);
            return continued.Succeeded;
        }
        var stopped = false;
        var updated = runs.Update(run.Id, r =>
        {
            stopped = r.Status == RunStatus.Paused;
            return stopped ? r with { Status = RunStatus.StoppedEarly, StatusReason = decision.Reason, PauseAfterEpoch = null, FinishedUtc = DateTime.UtcNow } : r;
        });
        if (!stopped) return false;
        // Stopped for good: nothing will continue it, so its checkpoint goes, as a completed run's does.
        runs.DeleteCheckpoint(run.Id);
        notifier.Publish(new RunFinished(run.Id, RunStatus.StoppedEarly, decision.Reason, updated?.Accuracy));
        logger.LogInformation("Study {StudyId}: trial {Group} stopped early at rung {Rung}", study.Id, decision.Group, decision.Rung + 1);
        return true;
    }
}

/// <summary>A halving study's rung results or decisions changed; named after one of its trials' runs, so that pages watching the study's runs hear it.</summary>
public sealed record StudyRungsChanged(Guid RunId, Guid StudyId) : RunEvent(RunId);
