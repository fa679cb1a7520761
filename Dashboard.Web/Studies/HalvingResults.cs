using Dashboard.Web.Storage;

namespace Dashboard.Web.Studies;

/// <summary>One trial's line at a rung: its rank there, its result and what became of it.</summary>
public sealed record RungRow(int Place, StudyMember Member, Run? Run, RungResult Result);

/// <summary>A rung as the study page shows it: the trials that reached it, best first, and those still on their way.</summary>
public sealed record RungView(int Index, int Epoch, IReadOnlyList<RungRow> Rows, int OnTheirWay)
{
    public int Promoted => Rows.Count(r => r.Result.Outcome == RungOutcome.Promoted);
    public int Stopped => Rows.Count(r => r.Result.Outcome == RungOutcome.Stopped);
    public bool IsLast { get; init; }
}

/// <summary>A point of the best-so-far curve: training epochs spent by the whole study, and the best test accuracy reached by then.</summary>
public sealed record BestSoFar(long Epochs, double Accuracy, int Group, int Epoch);

/// <summary>A halving study's rungs and its best-so-far curve, from the study's rung results and its runs.</summary>
public sealed class HalvingResults
{
    public HalvingResults(StudyView view)
    {
        View = view;
        Epochs = view.Study.Design.Halving?.Rungs() ?? [];
        Reduction = view.Study.Design.Halving?.Reduction ?? 3;
        Budget = AshaScheduler.Budget(view.Study.Members.Count, Epochs, Reduction);
    }

    public StudyView View { get; }

    /// <summary>The rungs' epochs.</summary>
    public IReadOnlyList<int> Epochs { get; }

    public int Reduction { get; }

    public EpochBudget Budget { get; }

    public IReadOnlyList<RungView> Rungs => Epochs.Select((epoch, k) =>
    {
        var members = View.Study.Members.ToDictionary(m => m.Group);
        var rows = AshaScheduler.Ranked(View.Study.Rungs.Where(r => r.Rung == k))
            .Select((r, i) => new RungRow(i + 1, members[r.Group], View.RunOf(members[r.Group]), r)).ToList();
        return new RungView(k, epoch, rows, OnTheirWay(k)) { IsLast = k == Epochs.Count - 1 };
    }).ToList();

    /// <summary>Trials still training towards rung <paramref name="k"/>: not there yet, queued or running, and (past the first) promoted from the rung before.</summary>
    private int OnTheirWay(int k) => View.Study.Members.Count(m =>
        View.RunOf(m)?.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Interrupted
        && !View.Study.Rungs.Any(r => r.Group == m.Group && r.Rung == k)
        && (k == 0 || View.Study.Rungs.Any(r => r.Group == m.Group && r.Rung == k - 1 && r.Outcome == RungOutcome.Promoted)));

    /// <summary>
    /// The best test accuracy reached at any rung against the training epochs the study had spent by then, in the order
    /// the results came in. A result at rung k adds the epochs its trial trained since its previous rung.
    /// </summary>
    public IReadOnlyList<BestSoFar> BestSoFarCurve()
    {
        var points = new List<BestSoFar>();
        long spent = 0;
        BestSoFar? best = null;
        foreach (var r in View.Study.Rungs.OrderBy(r => r.ReachedUtc).ThenBy(r => r.Rung).ThenBy(r => r.Group))
        {
            spent += r.Epoch - (r.Rung == 0 ? 0 : Epochs[r.Rung - 1]);
            if (best is null || r.TestAccuracy > best.Accuracy) best = new BestSoFar(spent, r.TestAccuracy, r.Group, r.Epoch);
            points.Add(best with { Epochs = spent });
        }
        return points;
    }

    /// <summary>Epochs trained so far by the study's runs (every finished epoch of every trial).</summary>
    public long EpochsSpent => View.Study.Members.Sum(m => (long)(View.RunOf(m)?.Epochs.Count ?? 0));
}
