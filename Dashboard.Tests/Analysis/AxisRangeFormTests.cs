using Bunit;
using Dashboard.Tests.Web;
using Dashboard.Web.Analysis;
using Dashboard.Web.Components.Shared.Analysis;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Tests.Analysis;

/// <summary>The typed range of the parallel plot ("Keep a range"): what it accepts and what it refuses (the brush itself: AnalysisBrowserTests).</summary>
public sealed class AxisRangeFormTests : ComponentTests
{
    private static AngleSharp.Dom.IElement Input(IRenderedComponent<AxisRangeForm> cut, string testId) =>
        cut.Find($"[data-testid={testId}] input, input[data-testid={testId}]");

    // As the user types both ends and presses Enter (the form's submit).
    private static async Task Submit(IRenderedComponent<AxisRangeForm> cut, string from, string to)
    {
        await cut.InvokeAsync(() => Input(cut, "axis-range-from").Input(from));
        await cut.InvokeAsync(() => Input(cut, "axis-range-to").Input(to));
        await cut.InvokeAsync(() => cut.Find("form[data-testid=axis-range]").Submit());
    }

    [Fact]
    public async Task ATypedRangeIsCheckedBeforeItReachesTheChart()
    {
        await using var ctx = NewContext();
        var table = AnalysisTable.Build(AnalysisRuns.LearningRateMatters(20));
        var applied = new List<AxisRange>();
        var cleared = new List<string>();
        var cut = ctx.Render<AxisRangeForm>(p => p.Add(c => c.Table, table).Add(c => c.Metric, AnalysisMetrics.Accuracy)
            .Add(c => c.OnApply, EventCallback.Factory.Create<AxisRange>(this, applied.Add))
            .Add(c => c.OnClear, EventCallback.Factory.Create<string>(this, cleared.Add)));
        var message = () => cut.Find("[data-testid=axis-range-message]").TextContent;

        // Number axes in drawing order, the first (learning rate) chosen; accuracy is offered too.
        var items = AxisRanges.Axes(table, AnalysisMetrics.Accuracy).Select(a => a.Key).ToList();
        Assert.Equal("learningRate", items[0]);
        Assert.Contains(AnalysisMetrics.Accuracy, items);

        await Submit(cut, "abc", "0.01");
        Assert.Contains("From is not a number", message());
        await Submit(cut, "0.001", "");
        Assert.Contains("To is not a number", message());
        await Submit(cut, "0.01", "0.001");
        Assert.Contains("From is above To", message());
        await Submit(cut, "0", "0.001");
        Assert.Contains("log scale", message());
        Assert.Empty(applied);

        await Submit(cut, " 3.2e-4", "3.2E-3 ");
        var range = Assert.Single(applied);
        Assert.Equal("learningRate", range.Key);
        Assert.Equal(3.2e-4, range.From, 1e-12);
        Assert.Equal(3.2e-3, range.To, 1e-12);
        Assert.Null(cut.Instance.Error);
        Assert.DoesNotContain("not a number", message());

        await cut.InvokeAsync(() => cut.Find("[data-testid=axis-range-clear]").Click());
        Assert.Equal(["learningRate"], cleared);
    }

    [Fact]
    public void AccuracyIsTypedInPercentAsItsAxisShowsIt()
    {
        var table = AnalysisTable.Build(AnalysisRuns.LearningRateMatters(20));
        var accuracy = table.Columns[table.IndexOf(AnalysisMetrics.Accuracy)];

        var (range, error) = AxisRanges.Parse(accuracy, "85", "91.5");

        Assert.Null(error);
        Assert.Equal("%", AxisRanges.Unit(accuracy));
        Assert.Equal(0.85, range!.From, 1e-12);
        Assert.Equal(0.915, range.To, 1e-12);
        // The typographic minus the page shows is read as a minus.
        Assert.Equal(-1, AxisRanges.Parse(table.Columns[table.IndexOf(AnalysisMetrics.TestLoss)], "\u22121", "2").Range!.From, 1e-12);
    }
}
