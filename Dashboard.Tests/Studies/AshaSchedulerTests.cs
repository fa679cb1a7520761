using Dashboard.Web.Studies;

namespace Dashboard.Tests.Studies;

/// <summary>The halving rule on its own: which trials continue and which stop, rung by rung, as trials arrive.</summary>
public sealed class AshaSchedulerTests
{
    /// <summary>Plays the coordinator's part: records arrivals, asks the scheduler, and applies its decisions.</summary>
    private sealed class Search(IReadOnlyList<int> rungs, int reduction, int trials)
    {
        private readonly List<RungResult> _results = [];
        private readonly HashSet<int> _gone = [];

        public List<AshaDecision> All { get; } = [];

        public IReadOnlyList<AshaDecision> Arrive(int group, int rung, double accuracy, double loss = 0.5)
        {
            _results.Add(new RungResult
            {
                Group = group, Rung = rung, Epoch = rungs[rung], Accuracy = accuracy, Loss = loss, TestAccuracy = accuracy,
                Outcome = rung == rungs.Count - 1 ? RungOutcome.Completed : RungOutcome.Waiting,
            });
            return Step();
        }

        /// <summary>The trial's run failed, was cancelled or deleted.</summary>
        public IReadOnlyList<AshaDecision> Leave(int group)
        {
            _gone.Add(group);
            return Step();
        }

        public IReadOnlyList<AshaDecision> Step()
        {
            var decisions = AshaScheduler.Decide(rungs, reduction, Trials());
            foreach (var d in decisions)
            {
                var i = _results.FindIndex(r => r.Group == d.Group && r.Rung == d.Rung);
                _results[i] = _results[i] with { Outcome = d.Outcome, Reason = d.Reason };
            }
            All.AddRange(decisions);
            return decisions;
        }

        public List<AshaTrial> Trials() =>
            Enumerable.Range(1, trials).Select(g => new AshaTrial(g, !_gone.Contains(g), _results.Where(r => r.Group == g).ToList())).ToList();

        public IReadOnlyList<int> With(int rung, RungOutcome outcome) =>
            _results.Where(r => r.Rung == rung && r.Outcome == outcome).Select(r => r.Group).Order().ToList();
    }

    private static IReadOnlyList<int> Groups(IEnumerable<AshaDecision> decisions, RungOutcome outcome) =>
        decisions.Where(d => d.Outcome == outcome).Select(d => d.Group).Order().ToList();

    [Fact]
    public void NineTrialsBestFirstKeepExactlyTheTopThirdAtEachRung()
    {
        var search = new Search([1, 3, 9], 3, 9);
        // Group 1 is best, group 9 worst; they reach rung 1 in group order.
        for (var g = 1; g <= 9; g++)
        {
            var decisions = search.Arrive(g, 0, 0.90 - g * 0.01);
            // ⌊m/3⌋ of the m arrived so far: the best one at 3, two at 6, three at 9.
            if (g == 3) Assert.Equal([1], Groups(decisions, RungOutcome.Promoted));
            else if (g == 6) Assert.Equal([2], Groups(decisions, RungOutcome.Promoted));
            else if (g < 9) Assert.Empty(decisions);
        }
        Assert.Equal([1, 2, 3], search.With(0, RungOutcome.Promoted));
        Assert.Equal([4, 5, 6, 7, 8, 9], search.With(0, RungOutcome.Stopped));
        var fifth = search.All.Single(d => d.Group == 5);
        Assert.Equal("Stopped early at epoch 1 (rung 1 of 3): 85.00 % was 5th of 9; the top 3 continued.", fifth.Reason);

        // Rung 2 waits for all three promoted trials, then keeps max(1, ⌊3/3⌋) = 1.
        Assert.Empty(search.Arrive(2, 1, 0.93));
        Assert.Empty(search.Arrive(1, 1, 0.92));
        var last = search.Arrive(3, 1, 0.91);
        Assert.Equal([2], Groups(last, RungOutcome.Promoted));
        Assert.Equal([1, 3], Groups(last, RungOutcome.Stopped));
        Assert.Equal("Promoted at epoch 3 (rung 2 of 3): 93.00 % was 1st of 3; continues to epoch 9.", last.Single(d => d.Group == 2).Reason);
        Assert.Empty(search.Arrive(2, 2, 0.94));
        Assert.Equal(6 + 2, search.All.Count(d => d.Outcome == RungOutcome.Stopped));
    }

    [Fact]
    public void TrialsArrivingWorstFirstArePromotedEarlyAsAshaDoesAndNoneIsTakenBack()
    {
        var search = new Search([1, 3, 9], 3, 9);
        for (var g = 1; g <= 9; g++) search.Arrive(g, 0, 0.80 + g * 0.01); // each arrival beats all before it

        // From the third arrival on, the newcomer is the best so far and within the top ⌊m/3⌋: n − η + 1 = 7 continue.
        Assert.Equal([3, 4, 5, 6, 7, 8, 9], search.With(0, RungOutcome.Promoted));
        Assert.Equal([1, 2], search.With(0, RungOutcome.Stopped));
        Assert.EndsWith("; the top 7 continued.", search.All.Single(d => d.Group == 1).Reason);
        // The planner's worst case is this order's: 9 trials at epoch 1, 7 to epoch 3, then n − η + 1 = 5 to epoch 9.
        Assert.Equal(9 * 1 + 7 * 2 + 5 * 6, AshaScheduler.Budget(9, [1, 3, 9], 3).WorstCase);
    }

    [Theory]
    [InlineData(2, 8, new[] { 4, 2, 1 })]
    [InlineData(3, 12, new[] { 4, 1 })]
    [InlineData(4, 16, new[] { 4, 1 })]
    [InlineData(3, 5, new[] { 1, 1 })]
    public void ArrivingBestFirstEachRungKeepsItsTopOneInEta(int reduction, int trials, int[] promotedPerRung)
    {
        var rungs = new List<int>();
        for (var e = 1; rungs.Count < promotedPerRung.Length; e *= reduction) rungs.Add(e);
        rungs.Add(rungs[^1] * reduction);
        var search = new Search(rungs, reduction, trials);

        IReadOnlyList<int> alive = Enumerable.Range(1, trials).ToList();
        for (var k = 0; k < promotedPerRung.Length; k++)
        {
            foreach (var g in alive) search.Arrive(g, k, 0.9 - g * 0.001);
            alive = search.With(k, RungOutcome.Promoted);
            Assert.Equal(Enumerable.Range(1, promotedPerRung[k]), alive);
        }
        foreach (var g in alive) search.Arrive(g, rungs.Count - 1, 0.95);
        Assert.Equal([1], search.With(rungs.Count - 1, RungOutcome.Completed));
        Assert.Equal(trials - 1, search.All.Count(d => d.Outcome == RungOutcome.Stopped));
    }

    [Fact]
    public void TiesGoToTheLowerLossThenTheLowerGroup()
    {
        var search = new Search([1, 3], 3, 6);
        search.Arrive(5, 0, 0.80, loss: 0.40);
        search.Arrive(2, 0, 0.80, loss: 0.40);
        search.Arrive(4, 0, 0.80, loss: 0.30);
        search.Arrive(1, 0, 0.70);
        search.Arrive(3, 0, 0.70);
        var last = search.Arrive(6, 0, 0.70);

        // After three arrivals the lower loss wins (group 4); after six, of the two left at 80 % and loss 0.40, group 2.
        Assert.Equal([2, 4], search.With(0, RungOutcome.Promoted));
        Assert.Equal([1, 3, 5, 6], Groups(last, RungOutcome.Stopped));
        Assert.Contains("was 3rd of 6", last.Single(d => d.Group == 5).Reason);
    }

    [Fact]
    public void TheSameResultsGiveTheSameDecisionsWhateverTheOrderTheyAreGivenIn()
    {
        // Six of seven trials wait at rung 1, none decided yet (as after a restart that lost nothing but the decisions).
        var arrived = new[] { (4, 0.81), (2, 0.85), (7, 0.79), (1, 0.85), (6, 0.90), (3, 0.70) };
        var trials = Enumerable.Range(1, 7).Select(g => new AshaTrial(g, true, arrived.Where(a => a.Item1 == g)
            .Select(a => new RungResult { Group = g, Rung = 0, Epoch = 1, Accuracy = a.Item2, Loss = 0.5, Outcome = RungOutcome.Waiting }).ToList())).ToList();

        var forward = AshaScheduler.Decide([1, 3, 9], 3, trials);
        var backward = AshaScheduler.Decide([1, 3, 9], 3, [.. Enumerable.Reverse(trials)]);

        Assert.Equal(forward, backward);
        Assert.Equal(forward, AshaScheduler.Decide([1, 3, 9], 3, trials));
        // ⌊6/3⌋ = 2: group 6, then group 1 over group 2 (equal accuracy and loss, lower group). Group 5 has not arrived:
        // the rung is not complete, so nobody is stopped yet.
        Assert.Equal([(6, RungOutcome.Promoted), (1, RungOutcome.Promoted)], forward.Select(d => (d.Group, d.Outcome)));
    }

    [Fact]
    public void ATrialThatLeavesDoesNotHoldUpItsRungAndOneThatLeavesWhileWaitingIsWithdrawn()
    {
        var search = new Search([1, 3, 9], 3, 6);
        search.Arrive(1, 0, 0.70);
        search.Arrive(2, 0, 0.71);
        search.Arrive(3, 0, 0.72); // group 3 promoted (1 of 3)
        search.Arrive(4, 0, 0.65);
        var withdrawn = search.Leave(4); // its run is deleted while it waits: it takes no part
        Assert.Equal([4], Groups(withdrawn, RungOutcome.Withdrawn));
        search.Arrive(5, 0, 0.60);
        Assert.Empty(search.With(0, RungOutcome.Stopped));

        // Group 6 fails before rung 1: the rung is complete without it. Of the four that count, ⌊4/3⌋ = 1 continues: group 3 already has.
        var decisions = search.Leave(6);
        Assert.Equal([1, 2, 5], Groups(decisions, RungOutcome.Stopped));
        Assert.Equal([3], search.With(0, RungOutcome.Promoted));
    }

    [Fact]
    public void ACompleteRungKeepsAtLeastItsBestSoTheSearchEndsWithAFullyTrainedTrial()
    {
        var search = new Search([1, 3, 9], 3, 4);
        // Each arrival beats those before it: group 3 is the best of three, then group 4 the best of four.
        foreach (var g in new[] { 1, 2, 3, 4 }) search.Arrive(g, 0, 0.8 + g * 0.01);
        Assert.Equal([3, 4], search.With(0, RungOutcome.Promoted));
        search.Arrive(3, 1, 0.88);
        var decisions = search.Arrive(4, 1, 0.86);

        // ⌊2/3⌋ = 0, but the rung is complete: its best continues.
        Assert.Equal([3], Groups(decisions, RungOutcome.Promoted));
        Assert.Equal([4], Groups(decisions, RungOutcome.Stopped));
        Assert.EndsWith("; the best continued.", decisions.Single(d => d.Group == 4).Reason);
    }

    [Fact]
    public void NothingIsDecidedAtTheLastRung()
    {
        var search = new Search([1, 3], 3, 3);
        search.Arrive(1, 0, 0.9);
        search.Arrive(2, 0, 0.8);
        search.Arrive(3, 0, 0.7);
        Assert.Empty(search.Arrive(1, 1, 0.91));
        Assert.Equal([1], search.With(1, RungOutcome.Completed));
    }
}
