using Bunit;
using Dashboard.Tests.Web;
using Dashboard.Web.Charts;
using Dashboard.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Charts;

/// <summary>ChartControls and the EpochCharts inside it: settings remembered per user, and what the charts then draw and export.</summary>
public sealed class ChartControlsTests
{
    private const string Module = "./Components/Shared/ChartControls.razor.js";

    private static BunitContext Context(string user, string? stored)
    {
        var ctx = new BunitContext().AddMudBlazor();
        ctx.AddAuthorization().SetAuthorized(user).SetRoles("Viewer");
        var module = ctx.JSInterop.SetupModule(Module);
        module.Setup<string?>("load", ChartControls.StorageKey + user).SetResult(stored);
        module.SetupVoid("save", _ => true).SetVoidResult();
        return ctx;
    }

    private static readonly List<Dashboard.Training.EpochMetrics> Epochs = ChartRuns.Noisy("ten epochs", 10, seed: 3).Epochs;

    private static IReadOnlyList<EpochLine> Loss() =>
    [
        new("train loss", "#1e88e5", ChartSeries.Points(Epochs, m => m.TrainLoss)),
        new("test loss", "#e53935", ChartSeries.Points(Epochs, m => m.TestLoss)),
    ];

    private static IRenderedComponent<ChartControls> Render(BunitContext ctx) =>
        ctx.Render<ChartControls>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<EpochChart>(0);
            b.AddAttribute(1, nameof(EpochChart.Title), "Loss per epoch");
            b.AddAttribute(2, nameof(EpochChart.YAxis), new LineAxis("loss", "trim:3", Min: 0));
            b.AddAttribute(3, nameof(EpochChart.Lines), Loss());
            b.AddAttribute(4, nameof(EpochChart.LogScale), true);
            b.AddAttribute(5, nameof(EpochChart.TestId), "loss");
            b.CloseComponent();
            b.OpenComponent<EpochChart>(10);
            b.AddAttribute(11, nameof(EpochChart.Title), "Accuracy");
            b.AddAttribute(12, nameof(EpochChart.YAxis), new LineAxis("accuracy", "percent:1"));
            b.AddAttribute(13, nameof(EpochChart.Lines), (IReadOnlyList<EpochLine>)[new EpochLine("test accuracy", "#43a047", ChartSeries.Points(Epochs, m => m.TestAccuracy))]);
            b.AddAttribute(15, nameof(EpochChart.TestId), "accuracy");
            b.CloseComponent();
        }));

    private static ApexChart Chart(IRenderedComponent<ChartControls> controls, string testId) =>
        controls.FindComponents<ApexChart>().Single(c => c.Instance.TestId == testId).Instance;

    private static Dictionary<string, object> Options(IRenderedComponent<ChartControls> controls, string testId) =>
        (Dictionary<string, object>)Chart(controls, testId).Options;

    private static List<string> SeriesNames(IRenderedComponent<ChartControls> controls, string testId) =>
        ((IEnumerable<ApexSeries>)Options(controls, testId)["series"]).Select(s => s.Name).ToList();

    private static string YTitle(IRenderedComponent<ChartControls> controls, string testId)
    {
        var title = ((Dictionary<string, object>)Options(controls, testId)["yaxis"])["title"];
        return (string)title.GetType().GetProperty("text")!.GetValue(title)!;
    }

    [Fact]
    public async Task WithNothingStoredChartsAreDrawnAsMeasured()
    {
        await using var ctx = Context("alice", stored: null);
        var controls = Render(ctx);

        Assert.Equal(ChartSettings.Default, controls.Instance.Settings);
        Assert.Equal(["train loss", "test loss"], SeriesNames(controls, "loss"));
        Assert.Equal("loss", YTitle(controls, "loss"));
        Assert.Equal("off", controls.Find("[data-testid=smoothing-value]").TextContent);
        Assert.Empty(controls.FindAll("[data-testid=chart-controls-reset]"));
        Assert.Equal(20, Chart(controls, "loss").PointCount);
    }

    [Fact]
    public async Task StoredSettingsOfTheUserAreAppliedToEveryChartInside()
    {
        await using var ctx = Context("alice", """{"smoothing":0.6,"logScale":true,"x":"TrainingTime"}""");
        var controls = Render(ctx);

        controls.WaitForAssertion(() => Assert.Equal(new ChartSettings(0.6, true, ChartXAxis.TrainingTime), controls.Instance.Settings));
        // Smoothed: raw lines first (faint, out of the legend), then the smoothed ones; the legend names each line once.
        Assert.Equal(["train loss (raw)", "test loss (raw)", "train loss", "test loss"], SeriesNames(controls, "loss"));
        Assert.Equal(["test accuracy (raw)", "test accuracy"], SeriesNames(controls, "accuracy"));
        var legend = Options(controls, "loss")["legend"];
        Assert.Equal(["train loss", "test loss"], (IEnumerable<string>)legend.GetType().GetProperty("customLegendItems")!.GetValue(legend)!);
        // Log scale where it applies: losses, not accuracies.
        Assert.Equal("loss (log scale)", YTitle(controls, "loss"));
        Assert.Equal("accuracy", YTitle(controls, "accuracy"));
        var x = (Dictionary<string, object>)Options(controls, "loss")["xaxis"];
        Assert.Equal("training time (sum of epoch times)", (string)x["title"].GetType().GetProperty("text")!.GetValue(x["title"])!);
        // Points are still counted once, and the CSV holds raw and smoothed values.
        Assert.Equal(20, Chart(controls, "loss").PointCount);
        var csv = Chart(controls, "loss").CsvText().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("series,epoch,training_seconds,value,smoothed", csv[0]);
        Assert.Equal(21, csv.Length);
        Assert.Equal("0.60", controls.Find("[data-testid=smoothing-value]").TextContent);
    }

    [Fact]
    public async Task ChangingASettingRedrawsTheChartsAndRemembersItForThisUser()
    {
        await using var ctx = Context("bob", stored: null);
        var controls = Render(ctx);

        controls.Find("[data-testid=chart-controls] input[type=range]").Input(0.85);

        controls.WaitForAssertion(() => Assert.Equal(0.85, controls.Instance.Settings.Smoothing, 1e-9));
        Assert.Equal(4, SeriesNames(controls, "loss").Count);
        var save = ctx.JSInterop.Invocations.Where(i => i.Identifier == "save").Last();
        Assert.Equal(ChartControls.StorageKey + "bob", save.Arguments[0]);
        Assert.Equal(new ChartSettings(0.85), ChartControls.Parse((string?)save.Arguments[1]));

        controls.Find("[data-testid=chart-controls] input[type=checkbox]").Change(true);
        controls.WaitForAssertion(() => Assert.Equal("loss (log scale)", YTitle(controls, "loss")));

        controls.Find("[data-testid=chart-controls-reset]").Click();
        controls.WaitForAssertion(() => Assert.Equal(ChartSettings.Default, controls.Instance.Settings));
        Assert.Equal(["train loss", "test loss"], SeriesNames(controls, "loss"));
        Assert.Equal(ChartSettings.Default, ChartControls.Parse((string?)ctx.JSInterop.Invocations.Where(i => i.Identifier == "save").Last().Arguments[1]));
    }

    [Fact]
    public async Task UnreadableStoredSettingsAreIgnored()
    {
        await using var ctx = Context("carol", """{"smoothing":"lots","x":"Sideways"}""");
        var controls = Render(ctx);

        Assert.Equal(ChartSettings.Default, controls.Instance.Settings);
        Assert.Equal(["train loss", "test loss"], SeriesNames(controls, "loss"));
    }
}
