using System.Globalization;

namespace Dashboard.Web.Studies;

/// <summary>What became of a trial at a rung.</summary>
public enum RungOutcome
{
    /// <summary>Paused at the rung, waiting for the decision.</summary>
    Waiting,
    /// <summary>Among the best 1/η: continued from its checkpoint to the next rung.</summary>
    Promoted,
    /// <summary>Stopped for good: the rung was complete and the trial was not among its best.</summary>
    Stopped,
    /// <summary>The last rung: the trial trained all its epochs.</summary>
    Completed,
    /// <summary>Its run was cancelled, failed or deleted while it waited; it takes no part in the ranking.</summary>
    Withdrawn,
}

/// <summary>
/// A trial's result at a rung, recorded when it got there (stored with the study, so a restart keeps every decision).
/// <see cref="Accuracy"/> and <see cref="Loss"/> are what the trials are ranked by: the validation split's when the
/// trial has one (the test set then stays out of the choice), else the test set's, the product's metric everywhere.
/// </summary>
public sealed record RungResult
{
    public int Group { get; init; }
    /// <summary>0-based index into the study's rungs.</summary>
    public int Rung { get; init; }
    public int Epoch { get; init; }
    public double Accuracy { get; init; }
    public double Loss { get; init; }
    /// <summary>Test-set accuracy at the rung's epoch (equal to <see cref="Accuracy"/> without a validation split).</summary>
    public double TestAccuracy { get; init; }
    public DateTime ReachedUtc { get; init; }
    public RungOutcome Outcome { get; init; }
    public string? Reason { get; init; }
    public DateTime? DecidedUtc { get; init; }
}

/// <summary>A trial as the scheduler sees it: its group, whether its run can still train, and its rung results so far.</summary>
public sealed record AshaTrial(int Group, bool Alive, IReadOnlyList<RungResult> Results);

/// <summary>A decision for one trial at one rung: <see cref="RungOutcome.Promoted"/>, <see cref="RungOutcome.Stopped"/> or <see cref="RungOutcome.Withdrawn"/>.</summary>
public sealed record AshaDecision(int Group, int Rung, RungOutcome Outcome, string Reason);

/// <summary>
/// The one owner of the halving rule (asynchronous successive halving, Li et al. 2018). Pure: given the rung results
/// so far and the decisions already taken, it says which trials to promote and which to stop, the same every time.
/// <list type="bullet">
/// <item>At rung k, of the m trials that have reached it, the best ⌊m/η⌋ are promoted as soon as they are among them;
/// a promotion is never taken back.</item>
/// <item>Rung k is complete once no trial can still reach it: every live trial has reached rung 0, and for k &gt; 0 rung
/// k−1 is complete and every live trial promoted from it has reached k. Then the rung keeps at least its best trial
/// (so a study always trains one trial to the end), and the others are stopped.</item>
/// <item>Ranked by accuracy (higher first), ties by loss (lower first), then by group (lower first).</item>
/// </list>
/// </summary>
public static class AshaScheduler
{
    public static IReadOnlyList<AshaDecision> Decide(IReadOnlyList<int> rungs, int reduction, IReadOnlyList<AshaTrial> trials)
    {
        trials = [.. trials.OrderBy(t => t.Group)];
        // Outcomes as decided so far, updated rung by rung: a promotion at rung k makes rung k+1 wait for that trial.
        var outcome = trials.SelectMany(t => t.Results).ToDictionary(r => (r.Group, r.Rung), r => r.Outcome);
        var result = trials.SelectMany(t => t.Results).ToDictionary(r => (r.Group, r.Rung));
        RungOutcome? At(int group, int rung) => outcome.TryGetValue((group, rung), out var o) ? o : null;

        var decisions = new List<AshaDecision>();
        var previousComplete = true;
        for (var k = 0; k < rungs.Count - 1; k++)
        {
            var rung = k;
            var complete = previousComplete && !trials.Any(t => t.Alive && At(t.Group, rung) is null && (rung == 0 || At(t.Group, rung - 1) == RungOutcome.Promoted));

            foreach (var gone in trials.Where(t => !t.Alive && At(t.Group, rung) == RungOutcome.Waiting))
            {
                outcome[(gone.Group, k)] = RungOutcome.Withdrawn;
                decisions.Add(new AshaDecision(gone.Group, k, RungOutcome.Withdrawn, "Its run was cancelled, failed or deleted while it waited at this rung."));
            }

            var pool = Ranked(trials.Where(t => At(t.Group, rung) is { } o && o != RungOutcome.Withdrawn).Select(t => result[(t.Group, rung)]));
            var quota = pool.Count / reduction;
            if (complete && pool.Count > 0) quota = Math.Max(quota, 1);
            foreach (var (r, place) in pool.Take(quota).Select((r, i) => (r, i)).Where(x => At(x.r.Group, rung) == RungOutcome.Waiting))
            {
                outcome[(r.Group, k)] = RungOutcome.Promoted;
                decisions.Add(new AshaDecision(r.Group, k, RungOutcome.Promoted, PromotedReason(r, place, pool.Count, complete, rungs)));
            }
            if (complete)
            {
                var continued = pool.Count(r => At(r.Group, rung) == RungOutcome.Promoted);
                // Early promotions can have taken a trial that later fell out of the top: then say how many, not "the top".
                var topContinued = pool.Take(continued).All(r => At(r.Group, rung) == RungOutcome.Promoted);
                var who = continued == 1 && topContinued ? "the best continued" : topContinued ? $"the top {continued} continued" : $"{continued} continued";
                foreach (var (r, place) in pool.Select((r, i) => (r, i)).Where(x => At(x.r.Group, rung) == RungOutcome.Waiting))
                {
                    outcome[(r.Group, k)] = RungOutcome.Stopped;
                    decisions.Add(new AshaDecision(r.Group, k, RungOutcome.Stopped, StoppedReason(r, place, pool.Count, who, rungs)));
                }
            }
            previousComplete = complete;
        }
        return decisions;
    }

    /// <summary>Best first: accuracy, then loss, then group.</summary>
    public static List<RungResult> Ranked(IEnumerable<RungResult> results) =>
        results.OrderByDescending(r => r.Accuracy).ThenBy(r => r.Loss).ThenBy(r => r.Group).ToList();

    /// <summary>
    /// Epochs spent by <paramref name="trials"/> trials over <paramref name="rungs"/>: all to the end; when each rung keeps
    /// max(1, ⌊n/η⌋) (synchronous successive halving); and at worst. The worst case of early promotion: a trial can only be
    /// promoted while at least η−1 trials at its rung are worse than it, so at most n−η+1 of n continue (reached when the
    /// trials arrive worst first).
    /// </summary>
    public static EpochBudget Budget(int trials, IReadOnlyList<int> rungs, int reduction)
    {
        long Spend(Func<long, long> next)
        {
            long total = 0, n = trials, previous = 0;
            foreach (var epoch in rungs)
            {
                total += n * (epoch - previous);
                previous = epoch;
                n = next(n);
            }
            return total;
        }
        if (rungs.Count == 0 || trials == 0) return new EpochBudget(0, 0, 0);
        return new EpochBudget((long)trials * rungs[^1], Spend(n => Math.Max(1, n / reduction)), Spend(n => Math.Max(1, n - reduction + 1)));
    }

    /// <summary>"rung 2 of 3", 1-based for people.</summary>
    public static string RungName(int rung, IReadOnlyList<int> rungs) => $"rung {rung + 1} of {rungs.Count}";

    private static string PromotedReason(RungResult r, int place, int count, bool complete, IReadOnlyList<int> rungs) =>
        $"Promoted at epoch {r.Epoch} ({RungName(r.Rung, rungs)}): {Percent(r.Accuracy)} was {Ordinal(place + 1)} of {count}{(complete ? "" : " so far")}; continues to epoch {rungs[r.Rung + 1]}.";

    private static string StoppedReason(RungResult r, int place, int count, string continued, IReadOnlyList<int> rungs) =>
        $"Stopped early at epoch {r.Epoch} ({RungName(r.Rung, rungs)}): {Percent(r.Accuracy)} was {Ordinal(place + 1)} of {count}; {continued}.";

    public static string Percent(double fraction) => (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";

    public static string Ordinal(int n) => n + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });
}
