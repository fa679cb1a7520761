using Bunit;
using Dashboard.Tests.Compare;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Charts;
using Dashboard.Web.Comparison;
using Dashboard.Web.Components.Pages.RunView;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Tests.Web;

/// <summary>
/// The run page's per-class and system charts: lines from stored and live epochs, the metric picker, old runs, and the
/// chart settings (smoothing, training-time axis) they follow like the curves.
/// </summary>
public sealed class RunEpochFiguresTests : ComponentTests
{
    private static EpochChart Lines(IRenderedComponent<IComponent> view, string testId) =>
        view.FindComponents<EpochChart>().Single(c => c.Instance.TestId == testId).Instance;

    private static ApexChart Chart(IRenderedComponent<IComponent> view, string testId) =>
        view.FindComponents<ApexChart>().Single(c => c.Instance.TestId == testId).Instance;

    private static IReadOnlyList<ApexSeries> Drawn(IRenderedComponent<IComponent> view, string testId) =>
        (IReadOnlyList<ApexSeries>)((Dictionary<string, object>)Chart(view, testId).Options)["series"];

    private static IRenderedComponent<IComponent> Render(BunitContext ctx, Run run, ChartSettings? settings = null) =>
        ctx.Render<CascadingValue<ChartSettings>>(p => p
            .Add(x => x.Value, settings ?? ChartSettings.Default)
            .AddChildContent<RunEpochFigures>(f => f.Add(x => x.Run, run)));

    [Fact]
    public async Task StoredAndLiveEpochsDrawTenClassLinesAndTheSystemFigures()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 4 });
        store.Update(run.Id, r => r with { Status = RunStatus.Running });
        store.AppendEpoch(run.Id, EpochFigureRuns.Epoch(1));
        store.AppendEpoch(run.Id, EpochFigureRuns.Epoch(2));
        var view = Render(ctx, store.Get(run.Id)!);

        // F1 by default: a line per class, in class order, each point that epoch's F1 of that class at its training time.
        var perClass = Lines(view, "chart-per-class");
        Assert.Equal("F1 per class", perClass.Title);
        Assert.Equal(Dashboard.Training.Data.FashionMnist.ClassNames, perClass.Lines.Select(s => s.Name));
        Assert.Equal(new EpochPoint(1, 10, EpochFigureRuns.Epoch(1).PerClass!.F1[6]), perClass.Lines[6].Points[0]);
        Assert.Equal(new EpochPoint(2, 20, EpochFigureRuns.Epoch(2).PerClass!.F1[6]), perClass.Lines[6].Points[1]);
        Assert.Equal(20, Chart(view, "chart-per-class").PointCount);
        Assert.Equal([3001.0, 3002], Lines(view, "chart-images-per-second").Lines.Single().Points.Select(p => p.Value));
        Assert.Equal([151.0, 152], Lines(view, "chart-cpu").Lines.Single().Points.Select(p => p.Value));
        Assert.Equal([901.0, 902], Lines(view, "chart-memory").Lines.Single().Points.Select(p => p.Value));
        var drawn = Chart(view, "chart-per-class");

        // A live epoch adds its points in place (the same chart, no rebuild); one already drawn (delivered again) adds none.
        var notifier = ctx.Notifier();
        notifier.Publish(new RunEpochCompleted(run.Id, EpochFigureRuns.Epoch(2)));
        notifier.Publish(new RunEpochCompleted(run.Id, EpochFigureRuns.Epoch(3)));
        notifier.Publish(new RunEpochCompleted(Guid.NewGuid(), EpochFigureRuns.Epoch(4)));
        view.WaitForAssertion(() => Assert.Equal(30, Chart(view, "chart-per-class").PointCount));
        Assert.Same(drawn, Chart(view, "chart-per-class"));
        Assert.Equal(3, Chart(view, "chart-cpu").PointCount);
        Assert.Equal(3, Chart(view, "chart-memory").PointCount);
        Assert.Equal(new EpochPoint(3, 30, 903), Lines(view, "chart-memory").Lines.Single().Points[^1]);

        // The picker turns the same chart to recall, in place.
        view.FindAll("[data-testid=class-metric] .mud-toggle-item").Single(e => e.TextContent.Contains("Recall")).Click();
        perClass = Lines(view, "chart-per-class");
        Assert.Equal("Recall per class", perClass.Title);
        Assert.Equal(EpochFigureRuns.Epoch(3).PerClass!.Recall[9], perClass.Lines[9].Points[2].Value);
        Assert.Same(drawn, Chart(view, "chart-per-class"));
        Assert.Empty(view.FindAll("[data-testid=per-class-not-recorded]"));
    }

    [Fact]
    public async Task ThePerClassAndSystemChartsAreSmoothedAndTimedAsTheControlsAsk()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 4 });
        foreach (var epoch in Enumerable.Range(1, 3)) store.AppendEpoch(run.Id, EpochFigureRuns.Epoch(epoch));
        var view = Render(ctx, store.Get(run.Id)!, new ChartSettings(0.6, X: ChartXAxis.TrainingTime));

        // Smoothed: each class's measured line faint behind its smoothed one; x is the training time (10 s per epoch).
        var series = Drawn(view, "chart-per-class");
        Assert.Equal(20, series.Count);
        var shirtRaw = series.Single(s => s.Name == "Shirt" + ChartSeries.RawSuffix).Data;
        var shirt = series.Single(s => s.Name == "Shirt").Data;
        double[] f1 = [.. Enumerable.Range(1, 3).Select(e => EpochFigureRuns.Epoch(e).PerClass!.F1[6])];
        Assert.Equal([10.0, 20, 30], shirt.Select(p => p[0]));
        Assert.Equal(f1, shirtRaw.Select(p => p[1]));
        var smoothed = ChartSeries.Smooth(f1, 0.6);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(smoothed[i], shirt[i][1], 1e-12));
        // Not the raw values: the smoothed line lags the rising scores.
        Assert.True(shirt[2][1] < f1[2] - 1e-6, $"smoothed {shirt[2][1]} should lag the raw {f1[2]}");
        var x = (Dictionary<string, object>)((Dictionary<string, object>)Chart(view, "chart-per-class").Options)["xaxis"];
        Assert.Contains("training time", x["title"].GetType().GetProperty("text")!.GetValue(x["title"]) as string);

        // The system figures follow the same settings.
        var memory = Drawn(view, "chart-memory");
        Assert.Equal(["resident MB" + ChartSeries.RawSuffix, "resident MB"], memory.Select(s => s.Name));
        Assert.Equal([10.0, 20, 30], memory[1].Data.Select(p => p[0]));

        // The CSV holds raw and smoothed values with both x measures.
        var csv = ChartCsv.Of(Lines(view, "chart-per-class").Lines, new ChartSettings(0.6, X: ChartXAxis.TrainingTime));
        Assert.StartsWith("series,epoch,training_seconds,value,smoothed\r\n", csv);
        Assert.Contains($"Shirt,3,30,{Csv.Number(f1[2])},{Csv.Number(smoothed[2])}", csv);
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
        var view = Render(ctx, store.Get(run.Id)!);

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
        var view = Render(ctx, run);

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
        var view = Render(ctx, run);

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
        Assert.All(perClass, s => Assert.Equal([2, 3], s.Points.Select(p => p.Epoch)));
        // The first epoch had no scores, but its training time counts.
        Assert.All(perClass, s => Assert.Equal([20.0, 30], s.Points.Select(p => p.Seconds)));
        Assert.Equal(a[1].PerClass!.Precision[4], perClass[4].Points[0].Value);

        var ofClass = ClassCurves.OfClass([new CurveInput("A", "#111111", a), new CurveInput("B", "#222222", b), new CurveInput("C", "#333333", [EpochFigureRuns.Old(1)])], 3, ClassMetric.F1);
        Assert.Equal(["A", "B", "C"], ofClass.Select(s => s.Name));
        Assert.Equal([new EpochPoint(2, 20, a[1].PerClass!.F1[3]), new EpochPoint(3, 30, a[2].PerClass!.F1[3])], ofClass[0].Points);
        Assert.Equal([new EpochPoint(1, 10, 0.9)], ofClass[1].Points);
        Assert.Empty(ofClass[2].Points);

        // Last epoch's F1: class 9 is 0.52 + 0.36 + 0.03 = 0.91 in A and 0.2 in B; every other class differs by under 0.4.
        Assert.Equal(9, ClassCurves.MostDifferent([a, b], ClassMetric.F1));
        Assert.Equal(0, ClassCurves.MostDifferent([a], ClassMetric.F1));
    }

    [Fact]
    public void SystemCurvesLeaveOutWhatAnEpochDidNotRecord()
    {
        List<EpochMetrics> epochs = [EpochFigureRuns.Epoch(2), EpochFigureRuns.Old(1), EpochFigureRuns.Epoch(3) with { CpuPercent = double.NaN }];

        Assert.Equal([new EpochPoint(2, 20, 152)], SystemCurves.CpuPercent(epochs, "#000000").Points);
        Assert.Equal([new EpochPoint(2, 20, 902), new EpochPoint(3, 30, 903)], SystemCurves.ResidentMegabytes(epochs, "#000000").Points);
        Assert.Equal([1, 2, 3], SystemCurves.ImagesPerSecond(epochs, "#000000").Points.Select(p => p.Epoch));
        Assert.False(SystemCurves.AnyRecorded([EpochFigureRuns.Old(1)]));
    }
}
