using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Training;
using Dashboard.Web.Analysis;
using Dashboard.Web.Components.Pages.Analysis;
using Dashboard.Web.Components.Pages.Runs;
using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Tests.Analysis;

/// <summary>The /analysis page's scopes through bUnit, and the runs grid's Analyze button that leads there.</summary>
public sealed class AnalysisPageTests : ComponentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private BunitContext Context()
    {
        var ctx = NewContext();
        // As in the browser once the circuit runs: the page reads its runs only then.
        ctx.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return ctx;
    }

    private static IRenderedComponent<AnalysisPage> Open(BunitContext ctx, string query)
    {
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("/analysis" + query);
        return ctx.Render<AnalysisPage>();
    }

    [Fact]
    public async Task ATagScopesTheAnalysisToItsRuns()
    {
        await using var ctx = Context();
        var runs = StoredAnalysisRuns.Grid(3);
        ctx.Store().InsertMany(runs.Select((r, i) => i < 8 ? r with { Tags = ["sweep"] } : r));

        var page = Open(ctx, "?tag=sweep");

        page.WaitForAssertion(() => Assert.Contains("8 completed runs", page.Find("[data-testid=analysis-summary]").TextContent), Deadline);
        Assert.Contains("Analyzing the runs tagged “sweep”.", page.Find("[data-testid=analysis-scope]").TextContent);
        Assert.NotNull(page.Find("[data-testid=analysis-all]"));
    }

    [Fact]
    public async Task EveryRunWhenNothingIsGivenAndFiltersAreDescribed()
    {
        await using var ctx = Context();
        ctx.Store().InsertMany(StoredAnalysisRuns.Grid(2));

        var all = Open(ctx, "");
        all.WaitForAssertion(() => Assert.Contains("8 completed runs", all.Find("[data-testid=analysis-summary]").TextContent), Deadline);
        Assert.Contains("Analyzing every run.", all.Find("[data-testid=analysis-scope]").TextContent);
        Assert.Empty(all.FindAll("[data-testid=analysis-all]"));

        var filtered = Open(ctx, "?where=" + Uri.EscapeDataString("LearningRate:Less:0.005"));
        filtered.WaitForAssertion(() => Assert.Contains("4 completed runs", filtered.Find("[data-testid=analysis-summary]").TextContent), Deadline);
        Assert.Contains("where LearningRate < 0.005", filtered.Find("[data-testid=analysis-scope]").TextContent);
    }

    [Fact]
    public async Task MissingIdsAreNotedAndBadParametersExplained()
    {
        await using var ctx = Context();
        var runs = StoredAnalysisRuns.Grid(1);
        ctx.Store().InsertMany(runs);

        var picked = Open(ctx, $"?ids={runs[0].Id},{runs[1].Id},{Guid.NewGuid()}");
        picked.WaitForAssertion(() => Assert.Contains("1 of the 3 ids name no run", picked.Find("[data-testid=analysis-note]").TextContent), Deadline);
        Assert.Contains("the 3 runs picked", picked.Find("[data-testid=analysis-scope]").TextContent);

        var badId = Open(ctx, "?ids=12,13");
        Assert.Contains("'12' is not a run id", badId.Find("[data-testid=analysis-error]").TextContent);
        Assert.Empty(badId.FindAll("[data-testid=settings-analysis]"));

        var badStudy = Open(ctx, "?study=xyz");
        Assert.Contains("'xyz' is not a study id", badStudy.Find("[data-testid=analysis-error]").TextContent);
    }

    [Fact]
    public async Task AnalyzeInTheRunsGridHandsOverItsFiltersOrItsSelection()
    {
        await using var ctx = NewContext();
        var runs = StoredAnalysisRuns.Grid(2);
        ctx.Store().InsertMany(runs);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        var grid = ctx.Render<RunsPage>();
        grid.WaitForAssertion(() => Assert.Equal(runs.Count, grid.FindAll("[data-testid=run-link]").Count));
        var column = grid.FindComponent<MudDataGrid<Run>>().Instance.RenderedColumns.First(c => c.Title == "LR");
        await grid.InvokeAsync(() => grid.FindComponent<MudDataGrid<Run>>().Instance.AddFilterAsync(new FilterDefinition<Run>
        {
            Column = column, Operator = FilterOperator.Number.LessThan, Value = 5e-3,
        }));
        grid.WaitForAssertion(() => Assert.Equal(4, grid.FindAll("[data-testid=run-link]").Count));

        grid.Find("[data-testid=analyze]").Click();

        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(nav.Uri).Query);
        Assert.Equal("/analysis", new Uri(nav.Uri).AbsolutePath);
        var scope = AnalysisScope.Parse(null, null, null, query["where"].ToArray()!).Scope!;
        Assert.Equal(grid.Instance.LastQuery!.Filters, scope.Filters);

        // Two runs picked: those two.
        var boxes = grid.FindComponents<MudCheckBox<bool>>();
        await grid.InvokeAsync(() => boxes[0].Instance.ValueChanged.InvokeAsync(true));
        await grid.InvokeAsync(() => boxes[1].Instance.ValueChanged.InvokeAsync(true));
        grid.Find("[data-testid=analyze]").Click();
        var picked = new Uri(nav.Uri);
        Assert.Equal("/analysis", picked.AbsolutePath);
        var ids = AnalysisScope.Parse(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(picked.Query)["ids"], null, null, null).Scope!.Ids!;
        var shown = grid.FindAll("[data-testid=run-link]").Take(2).Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(shown, ids.Select(id => $"/runs/{id}"));
    }
}
