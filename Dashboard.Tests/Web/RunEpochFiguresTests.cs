using Bunit;
using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Comparison;
using Dashboard.Web.Components.Pages.RunView;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using MudBlazor;

namespace Dashboard.Tests.Web;

/// <summary>The run page's per-class and system charts: series from stored and live epochs, the metric picker, old runs.</summary>
public sealed class RunEpochFiguresTests : ComponentTests
{
    private static EpochLines Lines(IRenderedComponent<RunEpochFigures> view, string testId) =>
        view.FindComponents<EpochLines>().Single(c => c.Instance.TestId == testId).Instance;

    private static ApexChart Chart(IRenderedComponent<RunEpochFigures> view, string testId) =>
        view.FindComponents<ApexChart>().Single(c => c.Instance.TestId == testId).Instance;

    [Fact]
    public async Task StoredAndLiveEpochsDrawTenClassLinesAndTheSystemFigures()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 4 });
        store.Update(run.Id, r => r with { Status = RunStatus.Running });
        store.AppendEpoch(run.Id, EpochFigureRuns.Epoch(1));
        store.AppendEpoch(run.Id, EpochFigureRuns.Epoch(2));
        var view = ctx.Render<RunEpochFigures>(p => p.Add(x => x.Run, store.Get(run.Id)!));

        // F1 by default: a line per class, in class order, each point that epoch's F1 of that class.
        var perClass = Lines(view, "chart-per-class");
        Assert.Equal("F1 per class", perClass.Title);
        Assert.Equal(Dashboard.Training.Data.FashionMnist.ClassNames, perClass.Series.Select(s => s.Name));
        Assert.Equal([1.0, EpochFigureRuns.Epoch(1).PerClass!.F1[6]], perClass.Series[6].Points[0]);
        Assert.Equal([2.0, EpochFigureRuns.Epoch(2).PerClass!.F1[6]], perClass.Series[6].Points[1]);
        Assert.Equal(20, Chart(view, "chart-per-class").PointCount);
        Assert.Equal([[1.0, 3001], [2.0, 3002]], Lines(view, "chart-images-per-second").Series.Single().Points);
        Assert.Equal([[1.0, 151], [2.0, 152]], Lines(view, "chart-cpu").Series.Single().Points);
        Assert.Equal([[1.0, 901], [2.0, 902]], Lines(view, "chart-memory").Series.Single().Points);

        // A live epoch adds its points; one already drawn (delivered again) adds none.
        var notifier = ctx.Notifier();
        notifier.Publish(new RunEpochCompleted(run.Id, EpochFigureRuns.Epoch(2)));
        notifier.Publish(new RunEpochCompleted(run.Id, EpochFigureRuns.Epoch(3)));
        notifier.Publish(new RunEpochCompleted(Guid.NewGuid(), EpochFigureRuns.Epoch(4)));
        view.WaitForAssertion(() => Assert.Equal(30, Chart(view, "chart-per-class").PointCount));
        Assert.Equal(3, Chart(view, "chart-cpu").PointCount);
        Assert.Equal(3, Chart(view, "chart-memory").PointCount);
        Assert.Equal([3.0, 903], Lines(view, "chart-memory").Series.Single().Points[^1]);

        // The picker turns the same chart to recall.
        view.FindAll("[data-testid=class-metric] .mud-toggle-item").Single(e => e.TextContent.Contains("Recall")).Click();
        perClass = Lines(view, "chart-per-class");
        Assert.Equal("Recall per class", perClass.Title);
        Assert.Equal([3.0, EpochFigureRuns.Epoch(3).PerClass!.Recall[9]], perClass.Series[9].Points[2]);
        Assert.Empty(view.FindAll("[data-testid=per-class-not-recorded]"));
    }

    [Fact]
    public async Task ARunTrainedBeforeTheFiguresSaysSoInsteadOfDrawingEmptyCharts()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 2 });
        store.AppendEpoch(run.Id, EpochFigureRuns.Old(1));
        store.AppendEpoch(run.Id, EpochFigureRuns.Old(2));
        var report = CompareRuns.Finished("x", CompareRuns.Fashion(), 1).Report;
        store.Update(run.Id, r => r with { Status = RunStatus.Completed, Report = report, FinishedUtc = DateTime.UtcNow });
        var view = ctx.Render<RunEpochFigures>(p => p.Add(x => x.Run, store.Get(run.Id)!));

        Assert.Contains("classification report below", view.Find("[data-testid=per-class-not-recorded]").TextContent);
        Assert.Contains("CPU use and memory", view.Find("[data-testid=system-not-recorded]").TextContent);
        // Throughput was always kept: its chart stays; the others are not drawn.
        Assert.Equal(["chart-images-per-second"], view.FindComponents<ApexChart>().Select(c => c.Instance.TestId));
        Assert.Equal(2, Chart(view, "chart-images-per-second").PointCount);
    }

    [Fact]
    public async Task ARunWaitingForItsFirstEpochShowsEmptyChartsThatFill()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 2 }) with { Status = RunStatus.Running, Worker = "gpu-box:42" };
        var view = ctx.Render<RunEpochFigures>(p => p.Add(x => x.Run, run));

        Assert.Equal(4, view.FindComponents<ApexChart>().Count);
        Assert.All(view.FindComponents<ApexChart>(), c => Assert.Equal(0, c.Instance.PointCount));
        Assert.Contains("worker gpu-box:42", view.Find("[data-testid=system-where]").TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(view.FindAll("[data-testid=per-class-not-recorded]"));

        ctx.Notifier().Publish(new RunEpochCompleted(run.Id, EpochFigureRuns.Epoch(1)));
        view.WaitForAssertion(() => Assert.Equal(10, Chart(view, "chart-per-class").PointCount));
    }

    [Fact]
    public async Task AFinishedRunWithoutEpochsShowsNoFigures()
    {
        await using var ctx = NewContext();
        var run = ctx.Store().Create(TrainingConfig.ReportControl) with { Status = RunStatus.Failed };
        var view = ctx.Render<RunEpochFigures>(p => p.Add(x => x.Run, run));

        Assert.Empty(view.FindComponents<ApexChart>());
        Assert.Empty(view.FindAll("[data-testid=run-per-class]"));
    }

    [Fact]
    public void ClassCurvesSkipEpochsWithoutScoresAndFollowTheChosenClass()
    {
        List<EpochMetrics> a = [EpochFigureRuns.Old(1), EpochFigureRuns.Epoch(2), EpochFigureRuns.Epoch(3)];
        List<EpochMetrics> b = [EpochFigureRuns.Epoch(1, shift: 0.1) with { PerClass = EpochFigureRuns.Scores(0.1) with { F1 = [.. Enumerable.Repeat(0.9, 9), 0.2] } }];

        var perClass = ClassCurves.PerClass(a, ClassMetric.Precision);
        Assert.Equal(10, perClass.Count);
        Assert.All(perClass, s => Assert.Equal([2.0, 3.0], s.Points.Select(p => p[0])));
        Assert.Equal(a[1].PerClass!.Precision[4], perClass[4].Points[0][1]);

        var ofClass = ClassCurves.OfClass([new CurveInput("A", "#111111", a), new CurveInput("B", "#222222", b), new CurveInput("C", "#333333", [EpochFigureRuns.Old(1)])], 3, ClassMetric.F1);
        Assert.Equal(["A", "B", "C"], ofClass.Select(s => s.Name));
        Assert.Equal([[2.0, a[1].PerClass!.F1[3]], [3.0, a[2].PerClass!.F1[3]]], ofClass[0].Points);
        Assert.Equal([[1.0, 0.9]], ofClass[1].Points);
        Assert.Empty(ofClass[2].Points);

        // Last epoch's F1: class 9 is 0.52 + 0.36 + 0.03 = 0.91 in A and 0.2 in B; every other class differs by under 0.4.
        Assert.Equal(9, ClassCurves.MostDifferent([a, b], ClassMetric.F1));
        Assert.Equal(0, ClassCurves.MostDifferent([a], ClassMetric.F1));
    }

    [Fact]
    public void SystemCurvesLeaveOutWhatAnEpochDidNotRecord()
    {
        List<EpochMetrics> epochs = [EpochFigureRuns.Epoch(2), EpochFigureRuns.Old(1), EpochFigureRuns.Epoch(3) with { CpuPercent = double.NaN }];

        Assert.Equal([[2.0, 152]], SystemCurves.CpuPercent(epochs, "#000000").Points);
        Assert.Equal([[2.0, 902], [3.0, 903]], SystemCurves.ResidentMegabytes(epochs, "#000000").Points);
        Assert.Equal([1.0, 2.0, 3.0], SystemCurves.ImagesPerSecond(epochs, "#000000").Points.Select(p => p[0]));
        Assert.False(SystemCurves.AnyRecorded([EpochFigureRuns.Old(1)]));
    }
}
