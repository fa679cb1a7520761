using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Studies;

public sealed class StudyStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private RunStore Open() => new(Options.Create(new StorageOptions { DatabasePath = _dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AStudyIsKeptInTheRunsDatabaseAndItsStatusFollowsItsRuns()
    {
        var plan = StudyPlanner.Expand(StudyDesign.ReportStudy with { Quick = new QuickRun { TrainSubset = 1000, Epochs = 2 } });
        var studyId = Guid.NewGuid();
        List<Guid> runIds;
        using (var runs = Open())
        {
            var members = plan.Groups.Select(g =>
            {
                var run = runs.Create(g.Config, $"g{g.Group}");
                runs.SetStudy(run.Id, studyId, g.Group);
                return new StudyMember { Group = g.Group, RunId = run.Id, Label = g.Label, Varied = [.. g.Varied], Config = g.Config, Reported = g.Reported };
            }).ToList();
            runIds = members.Select(m => m.RunId).ToList();
            new StudyStore(runs).Insert(new Study
            {
                Id = studyId, Name = "report", CreatedUtc = DateTime.UtcNow, Design = StudyDesign.ReportStudy with { Quick = new QuickRun { TrainSubset = 1000, Epochs = 2 } }, Members = members,
            });
            Assert.Equal(StudyStatus.Queued, new StudyStore(runs).View(studyId)!.Progress.Status);
            runs.Update(runIds[0], r => r with { Status = RunStatus.Completed });
        }

        // After a restart: same file, one LiteDatabase, the study and its members as stored.
        using var reopened = Open();
        var studies = new StudyStore(reopened);
        var view = studies.View(studyId)!;
        Assert.Equal("report", view.Study.Name);
        Assert.Equal(9, view.Study.Members.Count);
        Assert.Equal(plan.Groups.Select(g => g.Config), view.Study.Members.Select(m => m.Config));
        Assert.Equal([StudyParameter.LearningRate], view.Study.Members[1].Varied);
        Assert.Equal(71.3, view.Study.Members[0].Reported!.TrainingSeconds);
        Assert.Equal(new QuickRun { TrainSubset = 1000, Epochs = 2 }, view.Study.Design.Quick);
        Assert.Equal(StudyDesign.ReportStudy.Alternatives.LearningRates, view.Study.Design.Alternatives.LearningRates);
        Assert.Equal(StudyStatus.Running, view.Progress.Status);
        Assert.Equal((9, 1, 8), (view.Progress.Total, view.Progress.Completed, view.Progress.Queued));
        Assert.Equal(5, reopened.Get(runIds[4])!.StudyGroup);

        // The runs grid finds a study's runs by the Study field.
        var page = reopened.Query(new RunQuery { Filters = [new RunFilter(RunFields.Study, FilterMatch.Equal, studyId)], Take = 50 });
        Assert.Equal(9, page.Total);
        Assert.Equal(0, reopened.Query(new RunQuery { Filters = [new RunFilter(RunFields.Study, FilterMatch.Empty, null)] }).Total);

        foreach (var id in runIds.Skip(1)) reopened.Update(id, r => r with { Status = RunStatus.Completed });
        Assert.Equal(StudyStatus.Completed, studies.View(studyId)!.Progress.Status);
        reopened.Delete(runIds[3]);
        var afterDelete = studies.View(studyId)!;
        Assert.Equal(StudyStatus.Incomplete, afterDelete.Progress.Status);
        Assert.Null(afterDelete.RunOf(afterDelete.Study.Members[3]));
        Assert.Equal([studyId], studies.List().Select(s => s.Id));
    }
}
