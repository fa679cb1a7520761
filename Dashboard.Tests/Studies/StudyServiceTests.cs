using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Studies;

/// <summary>Studies launched, cancelled and restarted on the real app, training tiny subsets.</summary>
[Collection(TrainingCollection.Name)]
public sealed class StudyServiceTests
{
    // Control + two variants, one epoch on 1000 images each.
    private static readonly StudyDesign Tiny = new()
    {
        Name = "tiny",
        Control = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 128, Threads = 2 },
        Alternatives = new StudyAlternatives { LearningRates = [0.01], BatchSizes = [64] },
        Quick = new QuickRun { TrainSubset = 1000 },
    };

    private static string Members(DashboardApp app, Study study) =>
        string.Join("; ", study.Members.Select(m => Poll.Describe(app.Store, m.RunId)));

    private static async Task WaitForAsync(Func<bool> condition, string what, Func<string> seen)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after 3 min waiting until {what}; {seen()}.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AStudyQueuesItsGroupsInOrderAndIsCancelledAsAWhole()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var service = app.Services.GetRequiredService<StudyService>();
        var studies = app.Services.GetRequiredService<StudyStore>();

        // The control is held at its start: a 1-epoch run on 1,000 images could otherwise finish before the cancel.
        var gate = RunGate.AtStart(app);
        var study = service.Launch(Tiny).Study!;

        Assert.Equal([1, 2, 3], study.Members.Select(m => m.Group));
        var runs = study.Members.Select(m => app.Store.Get(m.RunId)!).ToList();
        Assert.Equal(["tiny · 1 control", "tiny · 2 lr 0.01", "tiny · 3 batch 64"], runs.Select(r => r.Name));
        Assert.Equal(runs.OrderBy(r => r.CreatedUtc).Select(r => r.Id), runs.Select(r => r.Id));
        Assert.All(runs, r => Assert.Equal((study.Id, 1000), (r.StudyId!.Value, r.Config.TrainSubset!.Value)));
        Assert.Equal([1, 2, 3], runs.Select(r => r.StudyGroup!.Value));

        // Cancelled while the control trains: the running run and both queued ones stop.
        Assert.Equal(runs[0].Id, await gate.Held);
        Assert.Equal(RunStatus.Running, app.Store.Get(runs[0].Id)!.Status);
        Assert.Equal(3, service.Cancel(study.Id));
        gate.Release();
        await WaitForAsync(() => studies.View(study.Id)!.Progress.IsFinished, "every member finished", () => Members(app, study));
        var view = studies.View(study.Id)!;
        Assert.All(view.Runs.Values, r => Assert.Equal(RunStatus.Cancelled, r.Status));
        Assert.Equal(StudyStatus.Cancelled, view.Progress.Status);
        Assert.Equal(0, service.Cancel(study.Id));
        Assert.Null(service.Cancel(Guid.NewGuid()));
    }

    [Fact]
    public async Task AnInvalidStudyQueuesNothing()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var service = app.Services.GetRequiredService<StudyService>();

        var result = service.Launch(Tiny with { Alternatives = new StudyAlternatives { LearningRates = [0] } });

        Assert.False(result.Succeeded);
        Assert.Contains(result.Plan.Errors, e => e.Field == "LearningRate");
        Assert.Equal(0, app.Store.Count());
        Assert.Empty(app.Services.GetRequiredService<StudyStore>().List());
    }

    [Fact]
    public async Task AStudySurvivesARestartAndItsQueuedRunsTrainAfterIt()
    {
        using var dir = new TempDirectory();
        Study study;
        await using (var app = new DashboardApp(dir.Path))
        {
            var gate = RunGate.AtStart(app);
            study = app.Services.GetRequiredService<StudyService>().Launch(Tiny).Study!;
            Assert.Equal(study.Members[0].RunId, await gate.Held);
            Assert.Equal(RunStatus.Running, app.Store.Get(study.Members[0].RunId)!.Status);
        } // stopped mid-study: the gate opens as the app stops, and the control meets the stop at its first batch

        await using var restarted = new DashboardApp(dir.Path);
        var studies = restarted.Services.GetRequiredService<StudyStore>();
        Assert.Equal(RunStatus.Interrupted, restarted.Store.Get(study.Members[0].RunId)!.Status);
        await WaitForAsync(() => studies.View(study.Id)!.Progress.IsFinished, "the re-queued members finished", () => Members(restarted, study));

        var view = studies.View(study.Id)!;
        Assert.Equal([RunStatus.Interrupted, RunStatus.Completed, RunStatus.Completed], view.Study.Members.Select(m => view.RunOf(m)!.Status));
        Assert.Equal(StudyStatus.Incomplete, view.Progress.Status);
        var results = new StudyResults(view);
        Assert.Equal([StudyParameter.LearningRate, StudyParameter.BatchSize], results.VariedParameters);
        // The control was interrupted before any epoch: nothing to measure the variants against.
        Assert.Null(results.Finding(StudyParameter.LearningRate));

        using var http = restarted.CreateHttpClient();
        var detail = await http.GetFromJsonAsync<JsonElement>($"api/studies/{study.Id}");
        Assert.Equal("Incomplete", detail.GetProperty("status").GetString());
        Assert.Equal(2, detail.GetProperty("progress").GetProperty("completed").GetInt32());
        Assert.True(detail.GetProperty("members")[1].GetProperty("accuracy").GetDouble() > 0.3);
    }
}
