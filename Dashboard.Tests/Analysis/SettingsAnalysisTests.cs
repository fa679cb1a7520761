using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Training;
using Dashboard.Web.Analysis;
using Dashboard.Web.Components.Shared.Analysis;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Analysis;

/// <summary>The analysis components' logic through bUnit (the charts themselves are drawn in Chromium: AnalysisBrowserTests).</summary>
public sealed class SettingsAnalysisTests : ComponentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // As the chart's module reports a brush (EChart.OnBrushed is what it invokes).
    private static Task Brush(IRenderedComponent<ParallelCoordinatesChart> cut, bool brushed, int count, int[] first) =>
        cut.InvokeAsync(() => cut.FindComponent<EChart>().Instance.OnBrushed(brushed, count, first));

    [Fact]
    public async Task TheImportanceRanksTheLearningRateFirstAndNamesItsMethod()
    {
        await using var ctx = NewContext();
        var table = AnalysisTable.Build(AnalysisRuns.LearningRateMatters(40));

        var cut = ctx.Render<SettingsAnalysis>(p => p.Add(c => c.Table, table));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=importance-row]")), Deadline);
        Assert.Equal(["learningRate", "batchSize"], cut.FindAll("[data-testid=importance-row]").Select(r => r.GetAttribute("data-key")));
        Assert.Contains("PermutationFeatureImportance", cut.Find("[data-testid=importance-method]").TextContent);
        Assert.Contains("FastForest", cut.Find("[data-testid=importance-method]").TextContent);
        Assert.Contains("40 completed runs, 2 settings that vary.", cut.Find("[data-testid=analysis-summary]").TextContent);
        // The scatter starts on the most important setting against the chosen metric.
        Assert.Equal(("learningRate", AnalysisMetrics.Accuracy), cut.FindComponent<SettingScatter>().Instance.Axes);
        var parallel = cut.FindComponents<EChart>().Single(c => c.Instance.Kind == "parallel");
        Assert.EndsWith($"|{AnalysisMetrics.Accuracy}", parallel.Instance.DataKey);
    }

    [Fact]
    public async Task ChoosingAnotherMetricRanksForItAndRecoloursTheLines()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<SettingsAnalysis>(p => p.Add(c => c.Table, AnalysisTable.Build(AnalysisRuns.LearningRateMatters(30))));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Instance.Importance), Deadline);

        await cut.InvokeAsync(() => cut.FindComponent<MudBlazor.MudSelect<string>>().Instance.ValueChanged.InvokeAsync(AnalysisMetrics.TestLoss));

        cut.WaitForAssertion(() => Assert.Equal(AnalysisMetrics.TestLoss, cut.Instance.Importance?.Metric), Deadline);
        Assert.Contains("Importance for final test loss", cut.Find("[data-testid=importance]").TextContent);
        Assert.EndsWith($"|{AnalysisMetrics.TestLoss}", cut.FindComponents<EChart>().Single(c => c.Instance.Kind == "parallel").Instance.DataKey);
        Assert.Equal(AnalysisMetrics.TestLoss, cut.FindComponent<SettingScatter>().Instance.Axes.Y);
    }

    [Fact]
    public async Task TooFewRunsGetAMessageInsteadOfARanking()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<SettingsAnalysis>(p => p.Add(c => c.Table, AnalysisTable.Build(AnalysisRuns.LearningRateMatters(5))));

        cut.WaitForAssertion(() => Assert.Contains("at least 8 completed runs", cut.Find("[data-testid=importance-problem]").TextContent), Deadline);
        Assert.Empty(cut.FindAll("[data-testid=importance-table]"));
    }

    [Fact]
    public async Task NoCompletedRunShowsWhyNotCharts()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<SettingsAnalysis>(p => p.Add(c => c.Table, AnalysisTable.Build([AnalysisRuns.WithStatus("q", Dashboard.Web.Storage.RunStatus.Queued)])));

        Assert.NotNull(cut.Find("[data-testid=analysis-empty]"));
        Assert.Empty(cut.FindComponents<EChart>());
        Assert.Contains("Left out: 1 still queued or running.", cut.Find("[data-testid=analysis-summary]").TextContent);
    }

    [Fact]
    public async Task ABrushIsCountedListedBestFirstAndOffersCompareForTwoToEight()
    {
        await using var ctx = NewContext();
        var table = AnalysisTable.Build(AnalysisRuns.LearningRateMatters(30));
        var cut = ctx.Render<ParallelCoordinatesChart>(p => p.Add(c => c.Table, table).Add(c => c.Metric, AnalysisMetrics.Accuracy));
        Assert.Equal("30", cut.Find("[data-testid=brush-count]").GetAttribute("data-selected"));
        Assert.Empty(cut.FindAll("[data-testid=compare-brushed]"));

        await Brush(cut, true, 3, [4, 1, 7]);

        Assert.Contains("3 of 30 runs selected", cut.Find("[data-testid=brush-count]").TextContent);
        Assert.Equal([table.Rows[4].Name, table.Rows[1].Name, table.Rows[7].Name], cut.FindAll("[data-testid=brushed-run-link]").Select(a => a.TextContent));
        Assert.Equal($"/runs/{table.Rows[4].RunId}", cut.FindAll("[data-testid=brushed-run-link]")[0].GetAttribute("href"));
        var accuracy = table.Columns[table.IndexOf(AnalysisMetrics.Accuracy)];
        Assert.Contains(accuracy.Format(table.Rows[4].Values[table.IndexOf(AnalysisMetrics.Accuracy)]), cut.FindAll("[data-testid=brushed-run]")[0].TextContent);
        Assert.Equal($"/compare?ids={table.Rows[4].RunId},{table.Rows[1].RunId},{table.Rows[7].RunId}", cut.Find("[data-testid=compare-brushed]").GetAttribute("href"));

        // More than compare takes: no compare link, the best 20 listed and the rest counted; an index out of range is dropped.
        await Brush(cut, true, 25, [.. Enumerable.Range(0, 25), 999]);
        Assert.Empty(cut.FindAll("[data-testid=compare-brushed]"));
        Assert.Equal(BrushedRuns.Shown, cut.FindAll("[data-testid=brushed-run]").Count);
        Assert.Contains("and 5 more", cut.Find("[data-testid=brushed-more]").TextContent);

        await Brush(cut, false, 30, []);
        Assert.Contains("All 30 runs", cut.Find("[data-testid=brush-count]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=brushed-runs]"));
    }

    [Fact]
    public async Task ANewSetOfRunsDropsTheBrush()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ParallelCoordinatesChart>(p => p.Add(c => c.Table, AnalysisTable.Build(AnalysisRuns.LearningRateMatters(12))).Add(c => c.Metric, AnalysisMetrics.Accuracy));
        await Brush(cut, true, 2, [0, 1]);

        cut.Render(p => p.Add(c => c.Table, AnalysisTable.Build(AnalysisRuns.LearningRateMatters(13))));

        Assert.Null(cut.Instance.Brush);
        Assert.Equal("13", cut.Find("[data-testid=brush-count]").GetAttribute("data-selected"));
    }

    [Fact]
    public async Task TheChosenMetricIsTheLastAxisBesideItsColourScale()
    {
        var table = AnalysisTable.Build(AnalysisRuns.LearningRateMatters(10));

        var order = AnalysisChartData.ParallelOrder(table, AnalysisMetrics.MacroF1);

        Assert.Equal(table.Columns.Count, order.Count);
        Assert.Equal(AnalysisMetrics.MacroF1, table.Columns[order[^1]].Key);
        Assert.Equal(["learningRate", "batchSize"], order.Take(2).Select(i => table.Columns[i].Key));
        await Task.CompletedTask;
    }
}
