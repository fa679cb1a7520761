using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Training;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Compare;

public sealed class RunTagsEditorTests : ComponentTests
{
    [Fact]
    public async Task TagsAreAddedRemovedAndSuggestedAndTheNoteIsSaved()
    {
        await using var ctx = NewContext();
        var store = ctx.Store();
        var other = store.Create(TrainingConfig.ReportControl, "other").Id;
        store.SetTags(other, ["baseline"]);
        var run = store.Create(TrainingConfig.ReportControl, "mine").Id;
        Run? changed = null;
        var editor = ctx.Render<RunTagsEditor>(p => p.Add(x => x.RunId, run).Add(x => x.Changed, (Run r) => changed = r));

        editor.Find("[data-testid=tag-input] input, input[data-testid=tag-input]").Input("Learning Rate");
        editor.Find("[data-testid=tag-add]").Click();
        Assert.Equal(["learning-rate"], store.Get(run)!.Tags);
        Assert.Equal(["learning-rate"], editor.FindAll("[data-testid=run-tag]").Select(c => c.TextContent.Trim()));
        Assert.Equal(["learning-rate"], changed!.Tags);

        // A tag used on another run is offered with one click.
        editor.FindAll(".mud-chip").Single(c => c.TextContent.Contains("baseline")).Click();
        Assert.Equal(["learning-rate", "baseline"], store.Get(run)!.Tags);

        editor.FindAll("[data-testid=run-tag]")[0].QuerySelector("button")!.Click();
        Assert.Equal(["baseline"], store.Get(run)!.Tags);

        editor.Find("[data-testid=note-input] textarea, textarea[data-testid=note-input]").Input("Compare with the report's group 2.");
        editor.Find("[data-testid=note-save]").Click();
        Assert.Equal("Compare with the report's group 2.", store.Get(run)!.Note);
        Assert.Contains("Saved", editor.Markup);
    }
}
