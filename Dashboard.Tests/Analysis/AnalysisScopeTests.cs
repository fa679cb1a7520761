using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Analysis;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Analysis;

/// <summary>How a selection reaches the analysis: the runs list's filters as URL text, the scope's parameters, and the store's read.</summary>
public sealed class AnalysisScopeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<RunFilter> Filters() =>
    [
        new(RunFields.Model, FilterMatch.Equal, "BnCnn"),
        new(RunFields.Name, FilterMatch.Contains, "a:b, c"),
        new(RunFields.LearningRate, FilterMatch.Less, 0.005),
        new(RunFields.Accuracy, FilterMatch.GreaterOrEqual, 0.9),
        new(RunFields.Status, FilterMatch.Equal, RunStatus.Completed),
        new(RunFields.Tags, FilterMatch.Empty, null),
    ];

    [Theory]
    [MemberData(nameof(Filters))]
    public void AFilterSurvivesTheUrl(RunFilter filter)
    {
        var (back, error) = RunFilterText.Parse(RunFilterText.Format(filter));

        Assert.Null(error);
        Assert.Equal(filter, back);
    }

    [Fact]
    public void ListsDatesAndIdsSurviveTheUrl()
    {
        var statuses = RunFilterText.Parse(RunFilterText.Format(new RunFilter(RunFields.Status, FilterMatch.AnyOf, new[] { RunStatus.Completed, RunStatus.Failed }))).Filter!;
        Assert.Equal([RunStatus.Completed, RunStatus.Failed], ((IEnumerable<object?>)statuses.Value!).Cast<RunStatus>());

        var day = new DateTime(2026, 3, 4, 0, 0, 0, DateTimeKind.Local);
        var created = RunFilterText.Parse(RunFilterText.Format(new RunFilter(RunFields.Created, FilterMatch.GreaterOrEqual, day))).Filter!;
        Assert.Equal(day.ToUniversalTime(), (DateTime)created.Value!);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)created.Value!).Kind);

        var study = Guid.NewGuid();
        Assert.Equal(study, RunFilterText.Parse($"Study:Equal:{study}").Filter!.Value);
    }

    [Theory]
    [InlineData("Model", "is not a filter")]
    [InlineData("Colour:Equal:red", "Cannot filter on 'Colour'")]
    [InlineData("Model:Like:x", "Unknown match 'Like'")]
    [InlineData("Epochs:Greater:many", "Epochs needs a number")]
    [InlineData("Epochs:Greater:NaN", "Epochs needs a number")]
    [InlineData("Created:Less:yesterday", "Created needs a date")]
    [InlineData("Study:Equal:42", "Study needs a study id")]
    public void ABadFilterIsNamed(string text, string expected) =>
        Assert.Contains(expected, RunFilterText.Parse(text).Error);

    [Fact]
    public void IdsOrFiltersNotBoth()
    {
        Assert.Contains("not both", AnalysisScope.Parse(Guid.NewGuid().ToString(), "tag", null, null).Error);
        Assert.True(AnalysisScope.Parse(null, null, null, null).Scope!.IsAll);
        var scope = AnalysisScope.Parse(null, "sweep", null, ["Model:Equal:BnCnn"]).Scope!;
        Assert.Equal([RunFields.Tags, RunFields.Model], scope.Filters.Select(f => f.Field));
        Assert.Equal("tag=sweep&where=Model%3AEqual%3ABnCnn", scope.Query());
    }

    [Fact]
    public void TheRunsListLinksToItsSelectionOrElseItsFilters()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        Assert.Equal($"/analysis?ids={a},{b}", AnalysisScope.LinkFor([a, b], [new RunFilter(RunFields.Model, FilterMatch.Equal, "BnCnn")]));
        Assert.Equal("/analysis?where=Model%3AEqual%3ABnCnn", AnalysisScope.LinkFor([a], [new RunFilter(RunFields.Model, FilterMatch.Equal, "BnCnn")]));
        Assert.Equal("/analysis", AnalysisScope.LinkFor([], null));
    }

    [Fact]
    public void TheStoreReadsTheNewestMatchingRunsWithTheirFinalLoss()
    {
        using var store = new RunStore(Options.Create(new StorageOptions { DatabasePath = Path.Combine(_dir.Path, "runs.db") }), NullLogger<RunStore>.Instance);
        var runs = StoredAnalysisRuns.Grid(3);
        runs[0] = runs[0] with { Epochs = [new(1, 1, 0.9, 0.5, 1, 1), new(2, 1, 0.4, 0.8, 1, 1)] };
        var ensemble = runs[1] with { Id = Guid.NewGuid(), EnsembleMembers = [runs[2].Id, runs[3].Id], CreatedUtc = runs[^1].CreatedUtc.AddMinutes(1) };
        store.InsertMany([.. runs, ensemble]);

        var all = store.AnalysisRuns([], 100);
        var newest = store.AnalysisRuns([], 5);
        var slow = store.AnalysisRuns([new RunFilter(RunFields.LearningRate, FilterMatch.Less, 5e-4)], 100);

        Assert.Equal(runs.Count + 1, all.Count);
        Assert.Equal([.. runs.Append(ensemble).OrderByDescending(r => r.CreatedUtc).Take(5).Select(r => r.Id)], newest.Select(r => r.Id));
        var first = all.Single(r => r.Id == runs[0].Id);
        Assert.Equal(AnalysisRun.From(runs[0]) with { CreatedUtc = first.CreatedUtc }, first);
        Assert.Equal(0.4, first.FinalTestLoss!.Value, 1e-12);
        Assert.True(all.Single(r => r.Id == ensemble.Id).IsEnsemble);
        Assert.Equal(runs.Append(ensemble).Count(r => r.Config.LearningRate < 5e-4), slow.Count);
    }
}
