using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Components.Pages.Runs;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Tests.Web;

/// <summary>The runs grid: its sorts and filters reach the store, live reloads, compare selection.</summary>
public sealed class RunsPageTests : ComponentTests
{
    /// <summary>Eight runs, one a minute: statuses cycle, accuracy rises then falls so it differs from creation order.</summary>
    private static List<Run> Seed(RunStore store)
    {
        RunStatus[] statuses = [RunStatus.Completed, RunStatus.Failed, RunStatus.Completed, RunStatus.Cancelled];
        double[] accuracies = [0.70, 0.0, 0.91, 0.0, 0.85, 0.0, 0.78, 0.0];
        var start = new DateTime(2026, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        var runs = Enumerable.Range(0, 8).Select(i =>
        {
            var status = statuses[i % statuses.Length];
            var config = TrainingConfig.ReportControl with { Epochs = i + 1, LearningRate = i < 4 ? 1e-3 : 1e-4 };
            return new Run
            {
                Id = Guid.NewGuid(),
                Name = $"run {i}",
                Config = config,
                Status = status,
                CreatedUtc = start.AddMinutes(i),
                Accuracy = status == RunStatus.Completed ? accuracies[i] : null,
            };
        }).ToList();
        store.InsertMany(runs);
        return runs;
    }

    private static string[] Names(IRenderedComponent<RunsPage> page) =>
        page.FindAll("[data-testid=run-link]").Select(a => a.TextContent).ToArray();

    private static MudDataGrid<Run> Grid(IRenderedComponent<RunsPage> page) => page.FindComponent<MudDataGrid<Run>>().Instance;

    private static Column<Run> Column(IRenderedComponent<RunsPage> page, string title) =>
        Grid(page).RenderedColumns.Single(c => c.Title == title);

    [Fact]
    public async Task SortingAndFilteringInTheGridAreDoneByTheStore()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        var page = ctx.Render<RunsPage>();

        // Newest first by default.
        page.WaitForAssertion(() => Assert.Equal(runs.Select(r => r.Name).Reverse(), Names(page)));

        // Filter by status: only completed runs, through the Status column's own filter.
        var status = Column(page, "Status");
        await page.InvokeAsync(() => Grid(page).AddFilterAsync(new FilterDefinition<Run> { Column = status, Operator = FilterOperator.Enum.Is, Value = RunStatus.Completed }));
        page.WaitForAssertion(() => Assert.Equal(["run 6", "run 4", "run 2", "run 0"], Names(page)));
        Assert.Equal(new RunFilter(RunFields.Status, FilterMatch.Equal, RunStatus.Completed), Assert.Single(page.Instance.LastQuery!.Filters));
        Assert.All(page.FindAll("[data-testid=run-status]"), chip => Assert.Equal("Completed", chip.TextContent.Trim()));

        // Sort by the accuracy column, descending, as its header does.
        var accuracy = Column(page, "Accuracy");
        await page.InvokeAsync(() => Grid(page).SetSortAsync(accuracy.PropertyName!, SortDirection.Descending, r => r.Accuracy!));
        page.WaitForAssertion(() => Assert.Equal(["run 2", "run 4", "run 6", "run 0"], Names(page)));
        Assert.Equal(RunFields.Accuracy, page.Instance.LastQuery!.SortBy);

        // Accuracy is shown in percent, and filtered in percent too.
        await page.InvokeAsync(() => Grid(page).AddFilterAsync(new FilterDefinition<Run> { Column = accuracy, Operator = FilterOperator.Number.GreaterThan, Value = 80.0 }));
        page.WaitForAssertion(() => Assert.Equal(["run 2", "run 4"], Names(page)));
        Assert.Equal("91.00 %", page.FindAll("[data-testid=cell-accuracy]")[0].TextContent);
    }

    [Fact]
    public void GridOperatorsBecomeStoreMatches()
    {
        Assert.Equal(new RunFilter(RunFields.Name, FilterMatch.StartsWith, "cnn"), Assert.Single(RunGridQuery.ToFilters(RunFields.Name, FilterOperator.String.StartsWith, "cnn")));
        Assert.Equal(new RunFilter(RunFields.Accuracy, FilterMatch.GreaterOrEqual, 0.9), Assert.Single(RunGridQuery.ToFilters(RunFields.Accuracy, FilterOperator.Number.GreaterThanOrEqual, 90)));
        Assert.Equal(new RunFilter(RunFields.Status, FilterMatch.NotEqual, RunStatus.Failed), Assert.Single(RunGridQuery.ToFilters(RunFields.Status, FilterOperator.Enum.IsNot, RunStatus.Failed)));
        Assert.Equal(new RunFilter(RunFields.Model, FilterMatch.Empty, null), Assert.Single(RunGridQuery.ToFilters(RunFields.Model, FilterOperator.String.Empty, null)));
        Assert.Empty(RunGridQuery.ToFilters(RunFields.Name, FilterOperator.String.Contains, ""));

        // A day from the date picker is the whole day.
        var day = new DateTime(2026, 5, 1);
        Assert.Equal(
            [new RunFilter(RunFields.Created, FilterMatch.GreaterOrEqual, day), new RunFilter(RunFields.Created, FilterMatch.Less, day.AddDays(1))],
            RunGridQuery.ToFilters(RunFields.Created, FilterOperator.DateTime.Is, day.AddHours(15)));

        var refused = Assert.Throws<ArgumentException>(() => RunGridQuery.ToFilters(RunFields.Name, "sounds like", "x").ToList());
        Assert.Contains("sounds like", refused.Message);
    }

    [Fact]
    public async Task StatusIsAnyOfAndNestedConfigColumnsReachTheStore()
    {
        await using var ctx = NewContext();
        Seed(ctx.Store());
        var page = ctx.Render<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(8, Names(page).Length));

        await page.InvokeAsync(() => Grid(page).AddFilterAsync(new FilterDefinition<Run>
        {
            Column = Column(page, "Status"), Operator = FilterOperator.Enum.IsAnyOf, Value = new List<Enum> { RunStatus.Failed, RunStatus.Cancelled },
        }));
        page.WaitForAssertion(() => Assert.Equal(["run 7", "run 5", "run 3", "run 1"], Names(page)));

        await page.InvokeAsync(() => Grid(page).AddFilterAsync(new FilterDefinition<Run>
        {
            Column = Column(page, "LR"), Operator = FilterOperator.Number.LessThan, Value = 5e-4,
        }));
        page.WaitForAssertion(() => Assert.Equal(["run 7", "run 5"], Names(page)));

        await page.InvokeAsync(() => Grid(page).SetSortAsync(Column(page, "Epochs").PropertyName!, SortDirection.Ascending, r => r.Config.Epochs));
        page.WaitForAssertion(() => Assert.Equal(["run 5", "run 7"], Names(page)));
        Assert.Equal(RunFields.Epochs, page.Instance.LastQuery!.SortBy);
        Assert.False(page.Instance.LastQuery.Descending);
    }

    [Fact]
    public async Task ANewRunAppearsWithoutReloadingThePage()
    {
        await using var ctx = NewContext();
        Seed(ctx.Store());
        var page = ctx.Render<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(8, Names(page).Length));

        var launched = ctx.Services.GetRequiredService<TrainingService>().Launch(TrainingConfig.ReportControl with { Epochs = 1 }, "just launched");
        Assert.True(launched.Succeeded);

        page.WaitForAssertion(() => Assert.Equal("just launched", Names(page)[0]), TimeSpan.FromSeconds(5));
        Assert.Equal("Queued", page.FindAll("[data-testid=run-status]")[0].TextContent.Trim());
    }

    [Fact]
    public async Task DeleteAsksFirstAndKeepsTheRunWhenTheUserSaysNo()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(8, Names(page).Length));
        var deleted = new List<Guid>();
        using var _ = ctx.Notifier().Subscribe(e => { if (e is RunDeleted d) deleted.Add(d.RunId); });

        page.FindAll("button[data-testid=delete-run]")[0].Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete “run 7”", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Delete “run 7”", dialogs.Markup));
        Assert.Equal(8, ctx.Store().Count());

        page.FindAll("button[data-testid=delete-run]")[0].Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete “run 7”", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();
        page.WaitForAssertion(() => Assert.Equal(7, Names(page).Length));
        Assert.Null(ctx.Store().Get(runs[7].Id));
        Assert.Equal([runs[7].Id], deleted);
    }

    [Fact]
    public async Task CompareNeedsTwoToEightSelectedRuns()
    {
        await using var ctx = NewContext();
        var runs = Seed(ctx.Store());
        var page = ctx.Render<RunsPage>();
        page.WaitForAssertion(() => Assert.Equal(8, Names(page).Length));
        var compare = () => page.FindComponents<MudButton>().Single(b => b.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string)id! == "compare").Instance;

        var boxes = page.FindComponents<MudCheckBox<bool>>();
        await page.InvokeAsync(() => boxes[0].Instance.ValueChanged.InvokeAsync(true));
        Assert.True(compare().Disabled);
        await page.InvokeAsync(() => boxes[1].Instance.ValueChanged.InvokeAsync(true));
        Assert.False(compare().Disabled);

        page.Find("[data-testid=compare]").Click();
        var uri = new Uri(ctx.Services.GetRequiredService<NavigationManager>().Uri);
        Assert.Equal("/compare", uri.AbsolutePath);
        Assert.Equal($"?ids={runs[7].Id},{runs[6].Id}", uri.Query);
    }
}
