using System.Globalization;
using System.Text;
using Dashboard.Training.Evaluation;

namespace Dashboard.Web.Comparison;

/// <summary>
/// The results table and the classification reports as CSV (RFC 4180: CRLF, quoted when needed, plain
/// numbers) and as Markdown (best values in bold, as the page marks them).
/// </summary>
public static class CompareExport
{
    public static string ResultsCsv(RunComparison comparison)
    {
        var sb = new StringBuilder();
        CsvLine(sb, "run", "name", "training_time_s", "accuracy", "macro_f1", "macro_precision");
        foreach (var row in comparison.Results.Rows)
            CsvLine(sb, row.Run.Letter, row.Run.Run.Name, Time(row.TrainingSeconds), Metric(row.Accuracy), Metric(row.MacroF1), Metric(row.MacroPrecision));
        return sb.ToString();
    }

    public static string ResultsMarkdown(RunComparison comparison)
    {
        var table = comparison.Results;
        var sb = new StringBuilder();
        sb.Append("| run | name | training time (s) | accuracy | macro F1 | macro precision |\n");
        sb.Append("|---|---|---:|---:|---:|---:|\n");
        for (var i = 0; i < table.Rows.Count; i++)
        {
            var row = table.Rows[i];
            MarkdownLine(sb,
                row.Run.Letter,
                MarkdownText(row.Run.Run.Name),
                Marked(Time(row.TrainingSeconds), table.BestTime.Contains(i)),
                Marked(Metric(row.Accuracy), table.BestAccuracy.Contains(i)),
                Marked(Metric(row.MacroF1), table.BestMacroF1.Contains(i)),
                Marked(Metric(row.MacroPrecision), table.BestMacroPrecision.Contains(i)));
        }
        sb.Append("\nBest of each column in bold (training time: lowest).\n");
        return sb.ToString();
    }

    /// <summary>One line per run and report row (classes, then accuracy, macro avg, weighted avg), like a tidy table.</summary>
    public static string ReportsCsv(RunComparison comparison)
    {
        var sb = new StringBuilder();
        CsvLine(sb, "run", "name", "class", "precision", "recall", "f1_score", "support");
        foreach (var (run, report) in comparison.Reports)
        {
            foreach (var m in report.Classes)
                CsvLine(sb, run.Letter, run.Run.Name, m.Name, Metric(m.Precision), Metric(m.Recall), Metric(m.F1), Count(m.Support));
            // scikit-learn's layout: accuracy sits in the f1-score column.
            CsvLine(sb, run.Letter, run.Run.Name, "accuracy", "", "", Metric(report.Accuracy), Count(report.Support));
            foreach (var m in new[] { report.MacroAverage, report.WeightedAverage })
                CsvLine(sb, run.Letter, run.Run.Name, m.Name, Metric(m.Precision), Metric(m.Recall), Metric(m.F1), Count(m.Support));
        }
        return sb.ToString();
    }

    /// <summary>The reports side by side: one column group (precision, recall, F1) per run; support once, from the test set.</summary>
    public static string ReportsMarkdown(RunComparison comparison)
    {
        var reports = comparison.Reports;
        var sb = new StringBuilder();
        if (reports.Count == 0) return "No run in this comparison has a classification report.\n";
        sb.Append("Runs: ").Append(string.Join("; ", reports.Select(r => $"{r.Run.Letter} = {MarkdownText(r.Run.Run.Name)}"))).Append("\n\n");
        var header = new List<string> { "class" };
        foreach (var (run, _) in reports) header.AddRange([$"{run.Letter} precision", $"{run.Letter} recall", $"{run.Letter} F1"]);
        header.Add("support");
        MarkdownLine(sb, [.. header]);
        sb.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", reports.Count * 3 + 1))).Append('\n');

        var first = reports[0].Report;
        for (var k = 0; k < first.Classes.Length; k++)
        {
            var cells = new List<string> { MarkdownText(first.Classes[k].Name) };
            foreach (var (_, report) in reports) cells.AddRange(Triple(report.Classes.ElementAtOrDefault(k)));
            cells.Add(Count(first.Classes[k].Support));
            MarkdownLine(sb, [.. cells]);
        }
        var accuracy = new List<string> { "accuracy" };
        foreach (var (_, report) in reports) accuracy.AddRange(["", "", Metric(report.Accuracy)]);
        accuracy.Add(Count(first.Support));
        MarkdownLine(sb, [.. accuracy]);
        foreach (var pick in new Func<ClassificationReport, ClassMetrics>[] { r => r.MacroAverage, r => r.WeightedAverage })
        {
            var cells = new List<string> { pick(first).Name };
            foreach (var (_, report) in reports) cells.AddRange(Triple(pick(report)));
            cells.Add(Count(pick(first).Support));
            MarkdownLine(sb, [.. cells]);
        }
        return sb.ToString();
    }

    public static string FileName(string table, string format) => $"compare-{table}.{(format == "md" ? "md" : "csv")}";

    private static IEnumerable<string> Triple(ClassMetrics? m) =>
        m is null ? ["", "", ""] : [Metric(m.Precision), Metric(m.Recall), Metric(m.F1)];

    private static string Time(double? seconds) => seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "";

    private static string Metric(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "";

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Marked(string value, bool best) => best && value.Length > 0 ? $"**{value}**" : value.Length > 0 ? value : "—";

    private static void CsvLine(StringBuilder sb, params string[] fields) => Charts.Csv.Line(sb, fields);

    private static void MarkdownLine(StringBuilder sb, params string[] cells) =>
        sb.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");

    private static string MarkdownText(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
