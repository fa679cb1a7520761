using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Compare;

public sealed class RunAnnotationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private RunStore Open() => new(Options.Create(new StorageOptions { DatabasePath = _dir.File("dashboard.db") }), NullLogger<RunStore>.Instance);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TagsAreNormalisedAndTheGridCanFilterByTag()
    {
        Guid a, b;
        using (var store = Open())
        {
            a = store.Create(TrainingConfig.ReportControl, "a").Id;
            b = store.Create(TrainingConfig.ReportControl, "b").Id;
            store.Create(TrainingConfig.ReportControl, "untagged");
            Assert.Equal(["baseline", "lr-sweep"], store.SetTags(a, ["  Baseline ", "lr   sweep", "baseline", ""])!.Tags);
            store.SetTags(b, ["lr-sweep"]);
            store.SetNote(a, "  control of the report  ");
        }

        using var reopened = Open();
        Assert.Equal(["baseline", "lr-sweep"], reopened.Get(a)!.Tags);
        Assert.Equal("control of the report", reopened.Get(a)!.Note);
        Names(reopened, new RunFilter(RunFields.Tags, FilterMatch.Includes, "LR-Sweep"), ["a", "b"]);
        Names(reopened, new RunFilter(RunFields.Tags, FilterMatch.Includes, "baseline"), ["a"]);
        Names(reopened, new RunFilter(RunFields.Tags, FilterMatch.Empty, null), ["untagged"]);
        Names(reopened, new RunFilter(RunFields.Tags, FilterMatch.NotEmpty, null), ["a", "b"]);
        Assert.Equal([("lr-sweep", 2), ("baseline", 1)], reopened.AllTags());

        reopened.SetNote(a, "   ");
        Assert.Null(reopened.Get(a)!.Note);
        Assert.Null(reopened.SetTags(Guid.NewGuid(), ["x"]));
    }

    [Fact]
    public void TheGridsTagAndStudyPickersNarrowTheQueryTogether()
    {
        using var store = Open();
        var study = Guid.NewGuid();
        var inStudy = store.Create(TrainingConfig.ReportControl, "in study").Id;
        var tagged = store.Create(TrainingConfig.ReportControl, "tagged only").Id;
        store.SetStudy(inStudy, study, 1);
        store.SetTags(inStudy, ["sweep"]);
        store.SetTags(tagged, ["sweep"]);

        Names(store, RunAnnotationFilter.Filters("Sweep", null), ["in study", "tagged only"]);
        Names(store, RunAnnotationFilter.Filters("sweep", study), ["in study"]);
        Names(store, RunAnnotationFilter.Filters(null, Guid.NewGuid()), []);
        Assert.Empty(RunAnnotationFilter.Filters(" ", null));
    }

    [Fact]
    public void TooManyOrTooLongTagsAndTooLongNotesAreRefused()
    {
        using var store = Open();
        var id = store.Create(TrainingConfig.ReportControl).Id;
        Assert.Contains("at most 20 tags", Assert.Throws<ArgumentException>(() => store.SetTags(id, Enumerable.Range(0, 21).Select(i => "t" + i))).Message);
        Assert.Contains("longer than 40", Assert.Throws<ArgumentException>(() => store.SetTags(id, [new string('x', 41)])).Message);
        Assert.Contains("at most 4000", Assert.Throws<ArgumentException>(() => store.SetNote(id, new string('x', 4001))).Message);
        Assert.Empty(store.Get(id)!.Tags);
    }

    private static void Names(RunStore store, RunFilter filter, string[] expected) => Names(store, [filter], expected);

    private static void Names(RunStore store, IReadOnlyList<RunFilter> filters, string[] expected) =>
        Assert.Equal(expected, store.Query(new RunQuery { Filters = filters, SortBy = RunFields.Name, Descending = false }).Items.Select(r => r.Name));
}
