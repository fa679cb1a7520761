using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Web.Components.Pages.Compare;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Compare;

/// <summary>The compare page's per-class chart: a line per run for one class, and what it says of runs without scores.</summary>
public sealed class ComparePerClassTests : ComponentTests
{
    [Fact]
    public async Task ItOpensOnTheClassThatDiffersMostAndNamesTheRunsWithoutScores()
    {
        await using var ctx = NewContext();
        var a = CompareRuns.Finished("steady", CompareRuns.Fashion(), 10, epochs: 3);
        a = a with { Epochs = [.. a.Epochs.Select(e => e with { PerClass = EpochFigureRuns.Scores(0.01 * e.Epoch) })] };
        // B is alike, except that it gets Coat (class 4) badly wrong at the end.
        var b = CompareRuns.Finished("coat trouble", CompareRuns.Fashion(), 12, epochs: 2);
        var coat = EpochFigureRuns.Scores(0.02) with { F1 = [.. EpochFigureRuns.Scores(0.02).F1.Select((f, k) => k == 4 ? 0.1 : f)] };
        b = b with { Epochs = [b.Epochs[0] with { PerClass = EpochFigureRuns.Scores(0.01) }, b.Epochs[1] with { PerClass = coat }] };
        var c = CompareRuns.Finished("from before", CompareRuns.Fashion(), 9, epochs: 2);
        ctx.Store().InsertMany([a, b, c]);

        var page = CompareRuns.Open(ctx, a.Id, b.Id, c.Id);

        var chart = page.FindComponents<EpochChart>().Single(l => l.Instance.TestId == "compare-class-curves").Instance;
        Assert.Equal("F1 of Coat", chart.Title);
        Assert.Equal(["A · steady", "B · coat trouble"], chart.Lines.Select(s => s.Name));
        Assert.Equal([1, 2, 3], chart.Lines[0].Points.Select(p => p.Epoch));
        Assert.Equal((2, 0.1), (chart.Lines[1].Points[^1].Epoch, chart.Lines[1].Points[^1].Value));
        // Inside the page's chart controls, with the curves.
        Assert.Contains(page.FindComponents<ChartControls>(), c => c.FindComponents<EpochChart>().Any(e => e.Instance.TestId == "compare-class-curves"));
        var drawn = page.FindComponents<ApexChart>().Single(c => c.Instance.TestId == "compare-class-curves").Instance;
        Assert.Equal(3, chart.Epochs);
        Assert.StartsWith("C trained before", page.Find("[data-testid=compare-per-class-missing]").TextContent.Trim());

        // Another class and metric from the picker.
        page.FindAll("[data-testid=class-metric] .mud-toggle-item").Single(e => e.TextContent.Contains("Precision")).Click();
        var select = page.FindComponent<MudBlazor.MudSelect<int>>();
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(0));
        chart = page.FindComponents<EpochChart>().Single(l => l.Instance.TestId == "compare-class-curves").Instance;
        Assert.Equal("Precision of T-shirt/top", chart.Title);
        Assert.Equal(a.Epochs[2].PerClass!.Precision[0], chart.Lines[0].Points[^1].Value);
        // The same chart, changed in place.
        Assert.Same(drawn, page.FindComponents<ApexChart>().Single(c => c.Instance.TestId == "compare-class-curves").Instance);
    }

    [Fact]
    public async Task RunsWithoutPerClassScoresGetANoteAndNoChart()
    {
        await using var ctx = NewContext();
        var a = CompareRuns.Finished("old a", CompareRuns.Fashion(), 10, epochs: 2);
        var b = CompareRuns.Finished("old b", CompareRuns.Fashion(), 12, epochs: 2);
        ctx.Store().InsertMany([a, b]);

        var page = CompareRuns.Open(ctx, a.Id, b.Id);

        Assert.Contains("classification reports below", page.Find("[data-testid=compare-per-class-not-recorded]").TextContent);
        Assert.DoesNotContain(page.FindComponents<EpochChart>(), c => c.Instance.TestId == "compare-class-curves");
    }
}
