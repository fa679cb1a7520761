using Bunit;
using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Web.Accounts;
using Dashboard.Web.Baselines;
using Dashboard.Web.Components.Pages.Compare;
using Dashboard.Web.Components.Pages.Runs;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Tests.Baselines;

/// <summary>The pinned baseline on the runs grid (first row, deltas, pin and unpin) and on the compare page (always included, dashed, deltas).</summary>
public sealed class BaselinePagesTests : ComponentTests
{
    private static BaselineStore Baselines(BunitContext ctx) => ctx.Services.GetRequiredService<BaselineStore>();

    /// <summary>Three finished runs, newest last, with accuracies 0.9 − 0.02·i (their confusion matrices), and one still running.</summary>
    private static List<Run> Seed(RunStore store)
    {
        var start = DateTime.UtcNow.AddHours(-1);
        var runs = Enumerable.Range(0, 3)
            .Select(i => CompareRuns.Finished($"run {i}", CompareRuns.Fashion((6, 0, 100 + 20 * i)), 30 + i, epochs: 2 + i) with { CreatedUtc = start.AddMinutes(i) })
            .Append(CompareRuns.Cancelled("running") with { Status = RunStatus.Running, CreatedUtc = start.AddMinutes(5) })
            .ToList();
        store.InsertMany(runs);
        return runs;
    }

    private static string[] Names(IRenderedComponent<RunsPage> page) => page.FindAll("[data-testid=run-link]").Select(a => a.TextContent).ToArray();

    [Fact]
    public async Task ThePinnedRunLeadsTheGridWhateverTheSortAndOthersShowTheirDifference()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        Baselines(ctx).Pin(Actor.Local, runs[0].Id);

        var page = ctx.Render<RunsPage>();

        page.WaitForAssertion(() => Assert.Equal(["run 0", "running", "run 2", "run 1"], Names(page)));
        var rows = page.FindAll("[data-testid=runs-grid] tbody tr");
        Assert.Contains("baseline-row", rows[0].ClassName);
        Assert.Single(page.FindAll("[data-testid=baseline-mark]"));
        // run 2 has 40 more shirts taken for T-shirts than run 0: 0.4 pp less accuracy.
        var deltas = rows[2].QuerySelectorAll("[data-testid=delta]").Select(d => d.TextContent).ToList();
        Assert.Equal(BaselineDelta.Accuracy(runs[2].Accuracy, runs[0].Accuracy)!.Text, deltas[0]);
        Assert.Equal("\u22120.40 pp", deltas[0]);
        Assert.Contains("worse", rows[2].QuerySelector("[data-testid=delta]")!.ClassName);
        Assert.Empty(rows[0].QuerySelectorAll("[data-testid=delta]"));
        Assert.Empty(rows[1].QuerySelectorAll("[data-testid=delta]"));
        // Only finished runs can be pinned.
        Assert.True(rows[1].QuerySelector("button[data-testid=pin-run]")!.HasAttribute("disabled"));

        // Sorted by accuracy, ascending: the baseline still comes first, and only once.
        var grid = page.FindComponent<MudDataGrid<Run>>().Instance;
        await page.InvokeAsync(() => grid.SetSortAsync(grid.RenderedColumns.Single(c => c.Title == "Accuracy").PropertyName!, SortDirection.Ascending, r => r.Accuracy!));
        page.WaitForAssertion(() => Assert.Equal(["run 0", "running", "run 2", "run 1"], Names(page)));
    }

    [Fact]
    public async Task PinningFromARowMovesTheBaselineAndUnpinningClearsIt()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        var page = ctx.Render<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(4, Names(page).Length));
        Assert.Empty(page.FindAll("[data-testid=baseline-mark]"));

        // Pin run 1 (the third row: newest first).
        page.FindAll("[data-testid=runs-grid] tbody tr")[2].QuerySelector("button[data-testid=pin-run]")!.Click();

        page.WaitForAssertion(() => Assert.Equal(["run 1", "running", "run 2", "run 0"], Names(page)));
        Assert.Equal(runs[1].Id, Baselines(ctx).Get(Actor.Local)!.Id);

        page.Find("button[data-testid=unpin-run]").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=baseline-mark]")));
        Assert.Null(Baselines(ctx).Get(Actor.Local));
        Assert.Equal(["running", "run 2", "run 1", "run 0"], Names(page));
    }

    private static IRenderedComponent<ComparePage> OpenCompare(BunitContext ctx, params Guid[] ids)
    {
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/compare?ids={string.Join(",", ids)}");
        return ctx.Render<ComparePage>();
    }

    [Fact]
    public async Task TheBaselineJoinsEveryComparisonFirstDashedAndAsTheReference()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        Baselines(ctx).Pin(Actor.Local, runs[0].Id);

        // One picked run is enough: it is compared with the baseline.
        var page = OpenCompare(ctx, runs[2].Id);

        var rows = page.FindAll("[data-testid=result-row]");
        Assert.Equal(2, rows.Count);
        Assert.StartsWith("Baseline", rows[0].QuerySelector("b")!.TextContent);
        Assert.Equal("A", rows[1].QuerySelector("b")!.TextContent);
        Assert.Empty(rows[0].QuerySelectorAll("[data-testid=delta]"));
        Assert.Equal(["+2.0 s", "\u22120.40 pp"], rows[1].QuerySelectorAll("[data-testid=delta]").Take(2).Select(d => d.TextContent));
        Assert.Contains("What changed: A − Baseline", page.Markup);
        Assert.Contains(runs[0].Name, page.Find("[data-testid=baseline-run]").TextContent);
        Assert.Single(page.FindAll("[data-testid=picked-run]"));
        Assert.EndsWith($"&baseline={runs[0].Id}", page.Find("[data-testid=export-results-csv]").GetAttribute("href"));
        // The baseline's curve is dashed, the other solid, in every chart.
        foreach (var chart in page.FindComponents<ApexChart>())
        {
            var stroke = ((Dictionary<string, object>)chart.Instance.Options)["stroke"];
            Assert.Equal([6, 0], (IEnumerable<int>)stroke.GetType().GetProperty("dashArray")!.GetValue(stroke)!);
        }
    }

    [Fact]
    public async Task APickedBaselineIsNotListedTwiceAndUnpinningLeavesThePickedRuns()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        Baselines(ctx).Pin(Actor.Local, runs[1].Id);

        var page = OpenCompare(ctx, runs[0].Id, runs[1].Id, runs[2].Id);

        Assert.Equal(["Baseline", "A", "B"], page.FindAll("[data-testid=result-row] b").Select(b => b.TextContent));
        Assert.Equal(["run 1", "run 0", "run 2"], page.FindAll("[data-testid=result-row] a").Select(a => a.TextContent));

        // The pin on the baseline's chip unpins it; the URL's runs stay, lettered again.
        page.Find("[data-testid=baseline-run] .mud-chip-close-button").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=baseline-run]")));
        Assert.Null(Baselines(ctx).Get(Actor.Local));
        Assert.Equal(["run 0", "run 1", "run 2"], page.FindAll("[data-testid=result-row] a").Select(a => a.TextContent));
    }

    [Fact]
    public async Task ABaselineThatIsRunningAgainIsLeftOutWithAReason()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        Baselines(ctx).Pin(Actor.Local, runs[0].Id);
        ctx.Store().Update(runs[0].Id, r => r with { Status = RunStatus.Running });

        var page = OpenCompare(ctx, runs[1].Id, runs[2].Id);

        Assert.Equal(["A", "B"], page.FindAll("[data-testid=result-row] b").Select(b => b.TextContent));
        Assert.Contains("Your baseline 'run 0' is running; it joins the comparison once it finishes.", page.FindAll("[data-testid=compare-problem]").Select(p => p.TextContent));
    }
}
