using Dashboard.Web.Comparison;

namespace Dashboard.Tests.Compare;

public sealed class CompareExportTests
{
    private static readonly string[] Names = ["a", "b"];

    // A: accuracy 0.85 in 39.0 s (the fastest); B: accuracy 0.90 in 71.3 s; C: cancelled before any epoch.
    private static RunComparison Comparison() => new(
    [
        CompareRuns.Finished("control", [[40, 10], [5, 45]], 39.04, Names),
        CompareRuns.Finished("lr 0.01, \"fast\"", [[46, 4], [6, 44]], 71.3, Names),
        CompareRuns.Cancelled("x | y"),
    ]);

    [Fact]
    public void ResultsAsCsv()
    {
        Assert.Equal(
            "run,name,training_time_s,accuracy,macro_f1,macro_precision\r\n" +
            "A,control,39.0,0.8500,0.8496,0.8535\r\n" +
            "B,\"lr 0.01, \"\"fast\"\"\",71.3,0.9000,0.9000,0.9006\r\n" +
            "C,x | y,,,,\r\n",
            CompareExport.ResultsCsv(Comparison()));
    }

    [Fact]
    public void ResultsAsMarkdownWithTheBestInBold()
    {
        Assert.Equal(
            """
            | run | name | training time (s) | accuracy | macro F1 | macro precision |
            |---|---|---:|---:|---:|---:|
            | A | control | **39.0** | 0.8500 | 0.8496 | 0.8535 |
            | B | lr 0.01, "fast" | 71.3 | **0.9000** | **0.9000** | **0.9006** |
            | C | x \| y | — | — | — | — |

            Best of each column in bold (training time: lowest).

            """.ReplaceLineEndings("\n"),
            CompareExport.ResultsMarkdown(Comparison()));
    }

    [Fact]
    public void ReportsAsCsvOneLinePerRunAndRow()
    {
        Assert.Equal(
            "run,name,class,precision,recall,f1_score,support\r\n" +
            "A,control,a,0.8889,0.8000,0.8421,50\r\n" +
            "A,control,b,0.8182,0.9000,0.8571,50\r\n" +
            "A,control,accuracy,,,0.8500,100\r\n" +
            "A,control,macro avg,0.8535,0.8500,0.8496,100\r\n" +
            "A,control,weighted avg,0.8535,0.8500,0.8496,100\r\n" +
            "B,\"lr 0.01, \"\"fast\"\"\",a,0.8846,0.9200,0.9020,50\r\n" +
            "B,\"lr 0.01, \"\"fast\"\"\",b,0.9167,0.8800,0.8980,50\r\n" +
            "B,\"lr 0.01, \"\"fast\"\"\",accuracy,,,0.9000,100\r\n" +
            "B,\"lr 0.01, \"\"fast\"\"\",macro avg,0.9006,0.9000,0.9000,100\r\n" +
            "B,\"lr 0.01, \"\"fast\"\"\",weighted avg,0.9006,0.9000,0.9000,100\r\n",
            CompareExport.ReportsCsv(Comparison()));
    }

    [Fact]
    public void ReportsAsMarkdownSideBySide()
    {
        Assert.Equal(
            """
            Runs: A = control; B = lr 0.01, "fast"

            | class | A precision | A recall | A F1 | B precision | B recall | B F1 | support |
            |---|---:|---:|---:|---:|---:|---:|---:|
            | a | 0.8889 | 0.8000 | 0.8421 | 0.8846 | 0.9200 | 0.9020 | 50 |
            | b | 0.8182 | 0.9000 | 0.8571 | 0.9167 | 0.8800 | 0.8980 | 50 |
            | accuracy |  |  | 0.8500 |  |  | 0.9000 | 100 |
            | macro avg | 0.8535 | 0.8500 | 0.8496 | 0.9006 | 0.9000 | 0.9000 | 100 |
            | weighted avg | 0.8535 | 0.8500 | 0.8496 | 0.9006 | 0.9000 | 0.9000 | 100 |

            """.ReplaceLineEndings("\n"),
            CompareExport.ReportsMarkdown(Comparison()));
    }
}
