using System.Globalization;
using System.Text;

namespace Dashboard.Training.Evaluation;

/// <summary>Precision, recall, F1 and support of one class (or an average).</summary>
public sealed record ClassMetrics(string Name, double Precision, double Recall, double F1, int Support);

/// <summary>
/// scikit-learn's <c>classification_report</c> with <c>zero_division=0</c>: per-class precision,
/// recall, F1 and support, accuracy, and macro and support-weighted averages.
/// </summary>
public sealed record ClassificationReport(ClassMetrics[] Classes, double Accuracy, ClassMetrics MacroAverage, ClassMetrics WeightedAverage)
{
    /// <summary>Total number of samples.</summary>
    public int Support => MacroAverage.Support;

    /// <summary>Computes the report from a confusion matrix (rows = true class).</summary>
    public static ClassificationReport From(ConfusionMatrix matrix, IReadOnlyList<string> classNames)
    {
        var n = matrix.ClassCount;
        if (classNames.Count != n)
            throw new ArgumentException($"{classNames.Count} class names for {n} classes.");
        var c = matrix.Counts;
        var classes = new ClassMetrics[n];
        long correct = 0, total = 0;
        for (var k = 0; k < n; k++)
        {
            var truePositives = c[k][k];
            var support = c[k].Sum();
            var predicted = 0;
            for (var i = 0; i < n; i++) predicted += c[i][k];
            var precision = Ratio(truePositives, predicted);
            var recall = Ratio(truePositives, support);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes[k] = new ClassMetrics(classNames[k], precision, recall, f1, support);
            correct += truePositives;
            total += support;
        }
        var totalSupport = (int)total;
        var macro = new ClassMetrics("macro avg",
            classes.Average(m => m.Precision), classes.Average(m => m.Recall), classes.Average(m => m.F1), totalSupport);
        var weighted = new ClassMetrics("weighted avg",
            Weighted(classes, m => m.Precision), Weighted(classes, m => m.Recall), Weighted(classes, m => m.F1), totalSupport);
        return new ClassificationReport(classes, Ratio(correct, total), macro, weighted);
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private static double Weighted(ClassMetrics[] classes, Func<ClassMetrics, double> metric)
    {
        var total = classes.Sum(m => (double)m.Support);
        return total == 0 ? 0 : classes.Sum(m => metric(m) * m.Support) / total;
    }

    /// <summary>Plain text laid out exactly like scikit-learn's <c>classification_report</c>.</summary>
    public string ToText(int digits = 2)
    {
        var width = Math.Max(Classes.Max(m => m.Name.Length), Math.Max("weighted avg".Length, digits));
        var sb = new StringBuilder();
        sb.Append(new string(' ', width)).Append(' ');
        foreach (var header in new[] { "precision", "recall", "f1-score", "support" })
            sb.Append(' ').Append(header.PadLeft(9));
        sb.Append("\n\n");
        foreach (var m in Classes) AppendRow(sb, m, width, digits);
        sb.Append('\n');
        sb.Append("accuracy".PadLeft(width)).Append(' ')
            .Append(' ').Append(new string(' ', 9))
            .Append(' ').Append(new string(' ', 9))
            .Append(' ').Append(Fixed(Accuracy, digits).PadLeft(9))
            .Append(' ').Append(Support.ToString(CultureInfo.InvariantCulture).PadLeft(9)).Append('\n');
        AppendRow(sb, MacroAverage, width, digits);
        AppendRow(sb, WeightedAverage, width, digits);
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, ClassMetrics m, int width, int digits)
    {
        sb.Append(m.Name.PadLeft(width)).Append(' ');
        foreach (var value in new[] { m.Precision, m.Recall, m.F1 })
            sb.Append(' ').Append(Fixed(value, digits).PadLeft(9));
        sb.Append(' ').Append(m.Support.ToString(CultureInfo.InvariantCulture).PadLeft(9)).Append('\n');
    }

    /// <summary>Formats with fixed decimals; like Python, .NET rounds the exact binary value, so both print the same digits.</summary>
    public static string Fixed(double value, int digits) => value.ToString("F" + digits, CultureInfo.InvariantCulture);
}
