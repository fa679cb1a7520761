using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Components.Pages.RunView;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using MudBlazor;

namespace Dashboard.Tests.Web;

/// <summary>The run page's logic: unknown ids, live points from run events, results, delete rules.</summary>
public sealed class ViewRunPageTests : ComponentTests
{
    private static ApexChart Chart(IRenderedComponent<ViewRun> page, string testId) =>
        page.FindComponents<ApexChart>().Single(c => c.Instance.TestId == testId).Instance;

    [Fact]
    public async Task AnUnknownIdSaysSoInsteadOfFailing()
    {
        await using var ctx = NewContext();
        var id = Guid.NewGuid();
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, id));
        Assert.Contains($"no run with the id {id}", page.Find("[data-testid=run-not-found]").TextContent);
    }

    [Fact]
    public async Task RunEventsPushPointsIntoTheChartsAndProgress()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 3 });
        store.Update(run.Id, r => r with { Status = RunStatus.Running });
        store.AppendEpoch(run.Id, new EpochMetrics(1, 0.6, 0.5, 0.81, 10, 3000));
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, run.Id));

        // Opened mid-run: the epoch charts start from the stored epoch (2 loss points, 1 accuracy point).
        Assert.Equal(2, Chart(page, "chart-epoch-loss").PointCount);
        Assert.Equal(1, Chart(page, "chart-accuracy").PointCount);
        Assert.Equal(0, Chart(page, "chart-batch-loss").PointCount);

        var notifier = ctx.Notifier();
        notifier.Publish(new RunBatchProgress(run.Id, new BatchProgress(2, 100, 469, 0.42, 3210, TimeSpan.FromSeconds(75))));
        notifier.Publish(new RunBatchProgress(run.Id, new BatchProgress(2, 200, 469, 0.40, 3250, TimeSpan.FromSeconds(70))));
        notifier.Publish(new RunBatchProgress(Guid.NewGuid(), new BatchProgress(1, 1, 10, 9.9, 1, TimeSpan.Zero)));
        page.WaitForAssertion(() => Assert.Equal(2, Chart(page, "chart-batch-loss").PointCount));
        page.WaitForAssertion(() => Assert.Equal("2 / 3", page.Find("[data-testid=progress-epoch] h6").TextContent));
        Assert.Equal("200 / 469", page.Find("[data-testid=progress-batch] h6").TextContent);
        Assert.Equal("1:10", page.Find("[data-testid=progress-eta] h6").TextContent);

        // An epoch already drawn is not drawn twice; a new one adds its points.
        notifier.Publish(new RunEpochCompleted(run.Id, new EpochMetrics(1, 0.6, 0.5, 0.81, 10, 3000)));
        store.AppendEpoch(run.Id, new EpochMetrics(2, 0.4, 0.45, 0.85, 10, 3000));
        notifier.Publish(new RunEpochCompleted(run.Id, new EpochMetrics(2, 0.4, 0.45, 0.85, 10, 3000)));
        page.WaitForAssertion(() => Assert.Equal(4, Chart(page, "chart-epoch-loss").PointCount));
        Assert.Equal(2, Chart(page, "chart-accuracy").PointCount);
        Assert.Equal("2 / 3", page.Find("[data-testid=progress-epoch] h6").TextContent);
    }

    [Fact]
    public async Task AFinishedRunShowsItsResultsAndDownloads()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var confusion = new ConfusionMatrix(Enumerable.Range(0, 10).Select(i => Enumerable.Range(0, 10).Select(j => i == j ? 90 : 1).ToArray()).ToArray());
        var report = ClassificationReport.From(confusion, Dashboard.Training.Data.FashionMnist.ClassNames);
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 1 }, "done");
        store.AppendEpoch(run.Id, new EpochMetrics(1, 0.5, 0.4, report.Accuracy, 20, 3000));
        store.Update(run.Id, r => r with
        {
            Status = RunStatus.Completed, Report = report, Confusion = confusion, Accuracy = report.Accuracy,
            MacroF1 = report.MacroAverage.F1, TrainingSeconds = 20.4, HasWeights = true, FinishedUtc = DateTime.UtcNow,
        });

        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, run.Id));

        Assert.Equal("Completed", page.Find("[data-testid=run-status]").TextContent.Trim());
        Assert.Equal(ClassificationReport.Fixed(report.Accuracy, 2), page.Find("[data-testid=report-accuracy]").TextContent);
        Assert.Equal(10, page.FindAll("[data-testid=confusion-matrix] tbody tr").Count);
        Assert.Equal($"/api/runs/{run.Id}/weights", page.Find("[data-testid=download-torchsharp]").GetAttribute("href"));
        Assert.Equal($"/api/runs/{run.Id}/weights?format=pytorch", page.Find("[data-testid=download-pytorch]").GetAttribute("href"));
        Assert.Equal("20 s", page.Find("[data-testid=run-training-time] h6").TextContent);
        // Batch losses are not stored, so a finished run has no batch chart, and nothing to cancel.
        Assert.DoesNotContain(page.FindComponents<ApexChart>(), c => c.Instance.TestId == "chart-batch-loss");
        Assert.Empty(page.FindAll("[data-testid=cancel-run]"));
    }

    [Fact]
    public async Task ARunningRunIsNotDeletedButTheUserIsToldToCancelFirst()
    {
        await using var ctx = NewContext();
        var snackbars = ctx.Services.GetService(typeof(ISnackbar)) as ISnackbar;
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl);
        store.Update(run.Id, r => r with { Status = RunStatus.Running });
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, run.Id));

        page.Find("[data-testid=delete-run]").Click();

        Assert.NotNull(store.Get(run.Id));
        Assert.Contains(snackbars!.ShownSnackbars, s => s.Message?.Contains("cancel it first") == true);
    }

    [Fact]
    public async Task AFinishEventTurnsTheLivePageIntoTheResultsPage()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 1 });
        store.Update(run.Id, r => r with { Status = RunStatus.Running });
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, run.Id));
        Assert.Single(page.FindAll("[data-testid=progress]"));

        store.Update(run.Id, r => r with { Status = RunStatus.Cancelled, StatusReason = "Cancelled by the user.", FinishedUtc = DateTime.UtcNow });
        ctx.Notifier().Publish(new RunFinished(run.Id, RunStatus.Cancelled, "Cancelled by the user.", null));

        page.WaitForAssertion(() => Assert.Equal("Cancelled", page.Find("[data-testid=run-status]").TextContent.Trim()));
        Assert.Empty(page.FindAll("[data-testid=progress]"));
        Assert.Contains("Cancelled by the user.", page.Find("[data-testid=run-status-reason]").TextContent);
        // Still on the page: the batch chart opened while running keeps its place.
        Assert.Single(page.FindComponents<ApexChart>(), c => c.Instance.TestId == "chart-batch-loss");
    }

    [Fact]
    public async Task AScheduledRunWithAValidationSplitChartsTheLearningRateAndValidation()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var run = store.Create(TrainingConfig.ReportControl with { Epochs = 3, Schedule = Dashboard.Training.Schedules.ScheduleKind.Cosine, ValidationFraction = 0.1 });
        store.Update(run.Id, r => r with { Status = RunStatus.Running });
        store.AppendEpoch(run.Id, new EpochMetrics(1, 0.6, 0.5, 0.81, 10, 3000) { LearningRate = 1e-3, ValidationLoss = 0.52, ValidationAccuracy = 0.8 });
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, run.Id));

        // Train, test and validation loss; test and validation accuracy; the learning rate.
        Assert.Equal(3, Chart(page, "chart-epoch-loss").PointCount);
        Assert.Equal(2, Chart(page, "chart-accuracy").PointCount);
        Assert.Equal(1, Chart(page, "chart-learning-rate").PointCount);

        var next = new EpochMetrics(2, 0.4, 0.45, 0.85, 10, 3000) { LearningRate = 5e-4, ValidationLoss = 0.47, ValidationAccuracy = 0.84 };
        store.AppendEpoch(run.Id, next);
        ctx.Notifier().Publish(new RunEpochCompleted(run.Id, next));
        page.WaitForAssertion(() => Assert.Equal(6, Chart(page, "chart-epoch-loss").PointCount));
        Assert.Equal(4, Chart(page, "chart-accuracy").PointCount);
        Assert.Equal(2, Chart(page, "chart-learning-rate").PointCount);
    }

    [Fact]
    public async Task AConstantLearningRateWithoutValidationKeepsTheReportsCharts()
    {
        await using var ctx = NewContext();
        var run = ctx.Store().Create(TrainingConfig.ReportControl with { Epochs = 3 });
        var page = ctx.Render<ViewRun>(p => p.Add(x => x.Id, run.Id));
        Assert.DoesNotContain(page.FindComponents<ApexChart>(), c => c.Instance.TestId == "chart-learning-rate");
    }
}
