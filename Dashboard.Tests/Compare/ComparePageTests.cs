using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Web.Components.Pages.Compare;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Compare;

/// <summary>The compare page's logic through bUnit: what it shows for good, missing and odd selections.</summary>
public sealed class ComparePageTests : ComponentTests
{
    [Fact]
    public async Task TwoRunsOfDifferentLengthsAreComparedEverywhere()
    {
        await using var ctx = NewContext();
        var a = CompareRuns.Finished("three epochs", CompareRuns.Fashion((6, 0, 90), (2, 4, 80)), 70.2, epochs: 3);
        var b = CompareRuns.Finished("one epoch", CompareRuns.Fashion((6, 0, 120), (2, 4, 100)), 25.1, epochs: 1);
        ctx.Store().InsertMany([a, b]);

        var page = CompareRuns.Open(ctx, a.Id, b.Id);

        Assert.Equal(2, page.FindAll("[data-testid=result-row]").Count);
        // Lowest time (B) and highest accuracy, F1 and precision (A) are starred: four marks.
        var best = page.FindAll("[data-testid=results-table] td[data-best=true]");
        Assert.Equal(4, best.Count);
        Assert.Contains("25.1", best[3].TextContent);
        Assert.Equal("true", page.FindAll("[data-testid=settings-table] tr").Single(r => r.TextContent.Contains("Epochs")).GetAttribute("data-differs"));
        // One chart per metric, each holding both runs' points: 3 + 1.
        var charts = page.FindComponents<ApexChart>();
        Assert.Equal(["compare-TrainLoss", "compare-TestLoss", "compare-TestAccuracy"], charts.Select(c => c.Instance.TestId));
        Assert.All(charts, c => Assert.Equal(4, c.Instance.PointCount));
        Assert.Equal(2, page.FindAll("[data-testid=compare-matrix]").Count);
        Assert.Equal(13, page.FindAll("[data-testid=reports-side-by-side] tbody tr").Count);
        Assert.Contains("Shirt taken for T-shirt/top: 90 → 120 (+30)", page.Find("[data-testid=focus-changes]").TextContent);
        Assert.Equal($"/api/compare/export?ids={Uri.EscapeDataString($"{a.Id},{b.Id}")}&table=results&format=csv",
            page.Find("[data-testid=export-results-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task MissingAndUnfinishedRunsAreExplainedAndNothingIsCompared()
    {
        await using var ctx = NewContext();
        var a = CompareRuns.Finished("done", CompareRuns.Fashion(), 10);
        var running = CompareRuns.Cancelled("busy") with { Status = RunStatus.Running };
        ctx.Store().InsertMany([a, running]);

        var page = CompareRuns.Open(ctx, a.Id, running.Id);

        Assert.Equal(["'busy' is still running; it can be compared once it finishes."], page.FindAll("[data-testid=compare-problem]").Select(e => e.TextContent));
        Assert.Contains("add at least one more", page.Find("[data-testid=compare-hint]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=results-table]"));
        Assert.Single(page.FindAll("[data-testid=picked-run]"));
    }

    [Fact]
    public async Task RemovingARunRewritesTheUrl()
    {
        await using var ctx = NewContext();
        var runs = Enumerable.Range(0, 3).Select(i => CompareRuns.Finished($"r{i}", CompareRuns.Fashion(), 10 + i)).ToList();
        ctx.Store().InsertMany(runs);
        var page = CompareRuns.Open(ctx, [.. runs.Select(r => r.Id)]);
        Assert.Contains("exactly two runs", page.Markup);

        // The chip's close button of the second run.
        page.FindAll("[data-testid=picked-run]")[1].QuerySelector("button")!.Click();

        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        Assert.EndsWith($"/compare?ids={runs[0].Id},{runs[2].Id}", nav.Uri);
    }
}
