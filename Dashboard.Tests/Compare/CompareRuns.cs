using Bunit;
using Dashboard.Training;
using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Components.Pages.Compare;
using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Compare;

/// <summary>Finished runs built in memory, with reports computed from their confusion matrices.</summary>
internal static class CompareRuns
{
    /// <summary>The compare page for <paramref name="ids"/>, as a browser at <c>/compare?ids=…</c> opens it.</summary>
    public static IRenderedComponent<ComparePage> Open(BunitContext ctx, params Guid[] ids)
    {
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/compare?ids={string.Join(",", ids)}");
        return ctx.Render<ComparePage>();
    }

    public static Run Finished(string name, int[][] confusion, double? seconds, IReadOnlyList<string>? classNames = null, TrainingConfig? config = null, int epochs = 1)
    {
        var matrix = new ConfusionMatrix(confusion);
        var report = ClassificationReport.From(matrix, classNames ?? FashionMnist.ClassNames);
        return new Run
        {
            Id = Guid.NewGuid(),
            Name = name,
            Config = (config ?? TrainingConfig.ReportControl) with { Epochs = epochs },
            Status = RunStatus.Completed,
            CreatedUtc = DateTime.UtcNow,
            FinishedUtc = DateTime.UtcNow,
            Epochs = Enumerable.Range(1, epochs).Select(e => new EpochMetrics(e, 1.0 / e, 0.9 / e, report.Accuracy - 0.01 * (epochs - e), 10, 3000)).ToList(),
            Report = report,
            Confusion = matrix,
            TrainingSeconds = seconds,
            Accuracy = report.Accuracy,
            MacroF1 = report.MacroAverage.F1,
        };
    }

    public static Run Cancelled(string name) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Status = RunStatus.Cancelled,
        CreatedUtc = DateTime.UtcNow,
        FinishedUtc = DateTime.UtcNow,
    };

    /// <summary>A Fashion-MNIST matrix with 1000 images per class and the given confusions (true, predicted, count).</summary>
    public static int[][] Fashion(params (int True, int Predicted, int Count)[] confusions)
    {
        var m = Enumerable.Range(0, 10).Select(_ => new int[10]).ToArray();
        foreach (var (t, p, n) in confusions) m[t][p] += n;
        for (var i = 0; i < 10; i++) m[i][i] = 1000 - m[i].Sum();
        return m;
    }
}
