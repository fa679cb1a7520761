using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;

namespace Dashboard.Tests.Training;

public class ClassificationReportTests
{
    // The lab report's group 7 confusion matrix (rows = true class).
    private const string Group7 =
        "938 0 19 9 2 1 21 0 10 0 | 1 988 0 9 0 0 0 0 2 0 | 20 2 928 6 26 0 16 0 2 0 | 45 7 12 903 20 0 8 0 4 1 | " +
        "3 1 104 27 826 0 30 0 9 0 | 0 0 0 0 0 959 0 27 1 13 | 210 4 114 21 60 0 574 0 17 0 | " +
        "0 0 0 0 0 3 0 953 1 43 | 2 1 1 2 1 1 0 1 991 0 | 0 0 0 0 0 4 0 17 1 976";

    private static ClassificationReport Report() => ClassificationReport.From(ConfusionMatrix.Parse(Group7), FashionMnist.ClassNames);

    private static string[] TwoDecimals(IEnumerable<double> values) => values.Select(v => ClassificationReport.Fixed(v, 2)).ToArray();

    [Fact]
    public void PerClassFiguresMatchTheReportAtTwoDecimals()
    {
        var r = Report();
        Assert.Equal(["0.77", "0.99", "0.79", "0.92", "0.88", "0.99", "0.88", "0.95", "0.95", "0.94"], TwoDecimals(r.Classes.Select(c => c.Precision)));
        Assert.Equal(["0.94", "0.99", "0.93", "0.90", "0.83", "0.96", "0.57", "0.95", "0.99", "0.98"], TwoDecimals(r.Classes.Select(c => c.Recall)));
        Assert.Equal(["0.85", "0.99", "0.85", "0.91", "0.85", "0.97", "0.70", "0.95", "0.97", "0.96"], TwoDecimals(r.Classes.Select(c => c.F1)));
        // The report's last row sums to 998 (its appendix is as printed), so supports are taken from the matrix.
        Assert.Equal([1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 998], r.Classes.Select(c => c.Support));
    }

    [Fact]
    public void AveragesAndAccuracyMatchTheReport()
    {
        var r = Report();
        Assert.Equal(["0.91", "0.90", "0.90"], TwoDecimals([r.MacroAverage.Precision, r.MacroAverage.Recall, r.MacroAverage.F1]));
        Assert.Equal(9036 / 9998.0, r.Accuracy, 1e-12);
        Assert.Equal("0.90", ClassificationReport.Fixed(r.Accuracy, 2));
        Assert.Equal(9998, r.Support);
        Assert.Equal(["0.91", "0.90", "0.90"], TwoDecimals([r.WeightedAverage.Precision, r.WeightedAverage.Recall, r.WeightedAverage.F1]));
    }

    [Fact]
    public void TextIsLaidOutLikeScikitLearn()
    {
        var lines = Report().ToText().Split('\n');
        Assert.Equal("              precision    recall  f1-score   support", lines[0]);
        Assert.Equal("", lines[1]);
        Assert.Equal(" T-shirt/top       0.77      0.94      0.85      1000", lines[2]);
        Assert.Equal("       Shirt       0.88      0.57      0.70      1000", lines[8]);
        Assert.Equal("", lines[12]);
        Assert.Equal("    accuracy                           0.90      9998", lines[13]);
        Assert.Equal("   macro avg       0.91      0.90      0.90      9998", lines[14]);
        Assert.Equal("weighted avg       0.91      0.90      0.90      9998", lines[15]);
    }

    [Fact]
    public void ClassNeverPredictedHasZeroPrecisionNotNaN()
    {
        var m = ConfusionMatrix.From([0, 1, 1], [0, 0, 0], 2);
        var r = ClassificationReport.From(m, ["a", "b"]);
        Assert.Equal(0, r.Classes[1].Precision);
        Assert.Equal(0, r.Classes[1].F1);
        Assert.Equal(1.0 / 3, r.Classes[0].Precision, 1e-12);
    }

    [Fact]
    public void ConfusionMatrixCountsTruthByRow()
    {
        var m = ConfusionMatrix.From([0, 0, 1, 2], [0, 2, 1, 0], 3);
        Assert.Equal([1, 0, 1], m.Counts[0]);
        Assert.Equal([1, 0, 0], m.Counts[2]);
        Assert.Equal(4, m.Total);
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.From([0, 3], [0, 0], 3));
    }

    [Fact]
    public void DifferenceIsBMinusA()
    {
        var a = new ConfusionMatrix([[5, 1], [2, 4]]);
        var b = new ConfusionMatrix([[6, 0], [1, 5]]);
        Assert.Equal([[1, -1], [-1, 1]], ConfusionMatrix.Difference(a, b));
    }
}
