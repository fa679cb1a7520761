using System.Security.Cryptography;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Storage;

/// <summary>A database file that was cut short is refused with a message naming it, and left as it was.</summary>
public sealed class DamagedDatabaseFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private RunStore Open(string path) => new(Options.Create(new StorageOptions { DatabasePath = path }), NullLogger<RunStore>.Instance);

    /// <summary>A closed database with a few runs and artifacts, big enough to span many pages.</summary>
    private string ClosedDatabase()
    {
        var path = _dir.File("whole.db");
        using var store = Open(path);
        for (var i = 0; i < 5; i++)
        {
            var run = store.Create(TrainingConfig.ReportControl, $"run {i}");
            store.SaveWeights(run.Id, RandomNumberGenerator.GetBytes(200_000));
        }
        return path;
    }

    [Theory]
    [InlineData(0.5, "header counts")]
    [InlineData(4096.0, "whole number")]
    [InlineData(0.99, "header counts")]
    [InlineData(1000.0, "whole number")]
    public void ACutFileIsRefusedAndLeftUntouched(double keep, string fault)
    {
        var whole = ClosedDatabase();
        Assert.False(File.Exists(Path.Combine(_dir.Path, "whole-log.db")), "LiteDB left a log after a clean close.");
        var cut = _dir.File("cut.db");
        var bytes = File.ReadAllBytes(whole);
        // A share is cut at a page boundary (a shorter file of whole pages); a byte count as it is.
        var length = keep > 1 ? (int)keep : (int)(bytes.Length * keep) / 8192 * 8192;
        File.WriteAllBytes(cut, bytes[..length]);
        var before = SHA256.HashData(File.ReadAllBytes(cut));

        var error = Assert.Throws<InvalidOperationException>(() => Open(cut));

        Assert.Contains(cut, error.Message);
        Assert.Contains("cut short", error.Message);
        Assert.Contains(fault, error.Message);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(cut)));
        Assert.False(File.Exists(_dir.File("cut-log.db")));
    }

    [Fact]
    public void AWholeFileStillOpensWithEveryRun()
    {
        var whole = ClosedDatabase();
        using var store = Open(whole);
        Assert.Equal(5, store.Count());
    }
}
