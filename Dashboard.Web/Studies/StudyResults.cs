using System.Globalization;
using Dashboard.Web.Comparison;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Studies;

/// <summary>A group's line of Table 2, with the report's figures beside ours.</summary>
public sealed record StudyResultRow(StudyMember Member, Run? Run, double? TrainingSeconds, double? Accuracy, double? MacroF1, double? MacroPrecision)
{
    public double? ReportedSeconds => Member.Reported?.TrainingSeconds;
    public double? ReportedAccuracy => Member.Reported?.Accuracy;
}

/// <summary>
/// For one varied parameter: the group that did best by test accuracy (the control included) and the
/// parameter's other groups with their accuracy, to set against the control's.
/// </summary>
public sealed record ParameterFinding(StudyParameter Parameter, StudyMember Control, double ControlAccuracy, StudyMember Best, double BestAccuracy, IReadOnlyList<(StudyMember Member, double Accuracy)> Others)
{
    public bool ControlIsBest => Best.Group == Control.Group;

    public double DeltaPoints => (BestAccuracy - ControlAccuracy) * 100;

    public string Summary()
    {
        var label = StudyParameters.Label(Parameter).ToLowerInvariant();
        var controlValue = StudyParameters.FormatValue(Control.Config, Parameter);
        if (ControlIsBest)
        {
            var runnerUp = Others.Where(o => o.Member.Group != Control.Group).OrderByDescending(o => o.Accuracy).FirstOrDefault();
            return runnerUp.Member is null
                ? $"The control's {label} {controlValue} reached {Percent(ControlAccuracy)}."
                : $"The control's {label} {controlValue} did best ({Percent(ControlAccuracy)}); the next best, {StudyParameters.FormatValue(runnerUp.Member.Config, Parameter)}, was {Points(ControlAccuracy - runnerUp.Accuracy)} lower.";
        }
        return $"{StudyParameters.Label(Parameter)} {StudyParameters.FormatValue(Best.Config, Parameter)} did best ({Percent(BestAccuracy)}), {Points(BestAccuracy - ControlAccuracy)} above the control's {controlValue} ({Percent(ControlAccuracy)}).";
    }

    public static string Percent(double fraction) => (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";

    public static string Points(double fraction) => (Math.Abs(fraction) * 100).ToString("F2", CultureInfo.InvariantCulture) + " pp";
}

/// <summary>The study page's tables, charts and findings, from the study and its runs.</summary>
public sealed class StudyResults(StudyView view)
{
    public StudyView View { get; } = view;

    public IReadOnlyList<StudyMember> Members { get; } = [.. view.Study.Members.OrderBy(m => m.Group)];

    /// <summary>Parameters that some group changes on its own, in Table 1's order.</summary>
    public IReadOnlyList<StudyParameter> VariedParameters =>
        StudyParameters.All.Where(p => Members.Any(m => m.Varied is [var only] && only == p)).ToList();

    public bool HasReported => Members.Any(m => m.Reported is not null);

    public IReadOnlyList<StudyResultRow> Rows => Members.Select(m =>
    {
        var run = View.RunOf(m);
        return new StudyResultRow(m, run, run?.TrainingSeconds, run?.Report?.Accuracy, run?.Report?.MacroAverage.F1, run?.Report?.MacroAverage.Precision);
    }).ToList();

    public ResultsMarks Marks
    {
        get
        {
            var rows = Rows;
            return new ResultsMarks(
                Best.Of(rows.Select(r => r.TrainingSeconds).ToList(), lowerIsBetter: true),
                Best.Of(rows.Select(r => r.Accuracy).ToList()),
                Best.Of(rows.Select(r => r.MacroF1).ToList()),
                Best.Of(rows.Select(r => r.MacroPrecision).ToList()));
        }
    }

    /// <summary>The control and the groups that change only <paramref name="parameter"/>, control first.</summary>
    public IReadOnlyList<StudyMember> GroupsOf(StudyParameter parameter) =>
        Members.Where(m => m.Varied.Count == 0 || m.Varied is [var only] && only == parameter).ToList();

    /// <summary>One line per group of the parameter, named by its value, coloured in group order.</summary>
    public IReadOnlyList<CurveSeries> Curves(StudyParameter parameter, CurveMetric metric) => CurveMetrics.Series(Inputs(parameter), metric);

    /// <summary>The same lines for one class's F1 (groups whose run kept no per-class scores have none).</summary>
    public IReadOnlyList<Dashboard.Web.Charts.EpochLine> ClassF1Curves(StudyParameter parameter, int classIndex) =>
        ClassCurves.OfClass(Inputs(parameter), classIndex, ClassMetric.F1);

    /// <summary>Whether any member's run kept per-class scores per epoch (runs trained before they were added did not).</summary>
    public bool HasClassScores => Members.Any(m => View.RunOf(m) is { } run && ClassCurves.AnyRecorded(run.Epochs));

    private IEnumerable<CurveInput> Inputs(StudyParameter parameter) => GroupsOf(parameter).Select((m, i) => new CurveInput(
        $"{StudyParameters.Short(parameter)} {StudyParameters.FormatValue(m.Config, parameter)}{(m.Varied.Count == 0 ? " (control)" : "")}",
        RunPalette.At(i), View.RunOf(m)?.Epochs ?? []));

    /// <summary>Null until the control and at least one other group of the parameter have a report.</summary>
    public ParameterFinding? Finding(StudyParameter parameter)
    {
        var scored = GroupsOf(parameter)
            .Select(m => (Member: m, Accuracy: View.RunOf(m)?.Report?.Accuracy))
            .Where(x => x.Accuracy is not null)
            .Select(x => (x.Member, Accuracy: x.Accuracy!.Value))
            .ToList();
        var control = scored.FirstOrDefault(x => x.Member.Varied.Count == 0);
        if (control.Member is null || scored.Count < 2) return null;
        var best = scored.OrderByDescending(x => x.Accuracy).ThenBy(x => x.Member.Group).First();
        return new ParameterFinding(parameter, control.Member, control.Accuracy, best.Member, best.Accuracy,
            scored.Where(x => x.Member.Group != control.Member.Group).ToList());
    }
}

/// <summary>Row indices holding the best value of each Table 2 column.</summary>
public sealed record ResultsMarks(IReadOnlySet<int> Time, IReadOnlySet<int> Accuracy, IReadOnlySet<int> MacroF1, IReadOnlySet<int> MacroPrecision);
