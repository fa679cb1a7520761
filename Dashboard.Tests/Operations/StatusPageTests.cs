using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Tests.Web;
using Dashboard.Training;
using Dashboard.Web.Components.Pages.Status;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Tests.Operations;

/// <summary>The status page's logic through bUnit, on the real services and a real LiteDB file.</summary>
public sealed class StatusPageTests : ComponentTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private BunitContext Context(RetentionOptions retention)
    {
        var ctx = NewContext();
        ctx.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        ctx.Services.AddSingleton(Options.Create(retention));
        ctx.Services.AddSingleton<StorageCap>();
        ctx.Services.AddSingleton<RetentionService>();
        ctx.Services.AddSingleton<StatusReader>();
        return ctx;
    }

    [Fact]
    public async Task ShowsArtifactSizesByKindTheQueueAndWhatRetentionRemoved()
    {
        await using var ctx = Context(new RetentionOptions { CheckpointMaxAgeDays = 30, Interval = TimeSpan.FromHours(6) });
        var store = ctx.Store();
        var old = Insert(store, "old cancelled", RunStatus.Cancelled, Now.UtcDateTime.AddDays(-45));
        store.SaveCheckpoint(old, new byte[3 * 1024 * 1024]);
        store.SaveWeights(old, new byte[1536]);
        Insert(store, "waiting 1", RunStatus.Queued, null);
        Insert(store, "waiting 2", RunStatus.Queued, null);
        ctx.Services.GetRequiredService<RetentionService>().Apply();

        var page = ctx.Render<StatusPage>();

        Assert.Equal("1.5 KB", page.Find("[data-testid=status-weights-bytes]").TextContent);
        Assert.Equal("0 bytes", page.Find("[data-testid=status-checkpoints-bytes]").TextContent);
        Assert.Equal("2026-06-01 12:00:00 UTC: removed 1 checkpoint, 3.0 MB", page.Find("[data-testid=status-last-pass]").TextContent);
        Assert.Contains("old cancelled", page.Find("[data-testid=status-retention]").TextContent);
        Assert.Equal("removed after 30 days", page.Find("[data-testid=status-checkpoint-age]").TextContent);
        Assert.Equal("2 runs waiting.", page.Find("[data-testid=status-queued]").TextContent.Trim());
        Assert.Equal("Nothing is training.", page.Find("[data-testid=status-idle]").TextContent);
        Assert.Equal("no cap", page.Find("[data-testid=status-cap]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=status-refusal]"));
        // The write-ahead log counts: until LiteDB's checkpoint folds it in, it holds most of the bytes.
        var onDisk = new FileInfo(store.DatabasePath).Length + new FileInfo(RunStore.LogFile(store.DatabasePath)).Length;
        Assert.Equal(StatusFormat.Bytes(onDisk), page.Find("[data-testid=status-database-bytes]").TextContent);
    }

    [Fact]
    public async Task AtTheCapItSaysNewRunsAreRefusedAndWhy()
    {
        await using var ctx = Context(new RetentionOptions { MaxDatabaseBytes = 4096 });
        Insert(ctx.Store(), "anything", RunStatus.Completed, Now.UtcDateTime);

        var page = ctx.Render<StatusPage>();

        Assert.Contains("Retention:MaxDatabaseBytes", page.Find("[data-testid=status-refusal]").TextContent);
        Assert.Equal("4.0 KB (4,096 bytes)", page.Find("[data-testid=status-cap]").TextContent);
        Assert.Equal("not yet run", page.Find("[data-testid=status-last-pass]").TextContent);
    }

    [Theory]
    [InlineData(0L, "0 bytes")]
    [InlineData(1023L, "1,023 bytes")]
    [InlineData(1024L, "1.0 KB")]
    [InlineData(5L * 1024 * 1024 * 1024 + 512L * 1024 * 1024, "5.5 GB")]
    public void BytesAreShownInPowersOf1024(long bytes, string shown) => Assert.Equal(shown, StatusFormat.Bytes(bytes));

    [Theory]
    [InlineData("01:00:00", "every hour")]
    [InlineData("06:00:00", "every 6 hours")]
    [InlineData("2.00:00:00", "every 2 days")]
    [InlineData("00:01:30", "every 90 seconds")]
    public void IntervalsReadAsWords(string interval, string shown) => Assert.Equal(shown, StatusFormat.Interval(TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void RunProgressCountsFinishedEpochsAndTheCurrentOnesBatches()
    {
        var run = new RunningRun(Guid.NewGuid(), "r", TotalEpochs: 4, new BatchProgress(Epoch: 2, Batch: 50, BatchesPerEpoch: 100, Loss: 0.4, ImagesPerSecond: 3000, Eta: TimeSpan.FromSeconds(90)));
        Assert.Equal(37.5, StatusFormat.RunPercent(run), 6);
        Assert.Equal("epoch 2 of 4, batch 50 of 100 · 3,000 img/s · about 1:30 left", StatusFormat.RunProgress(run));
        Assert.Equal(0, StatusFormat.RunPercent(run with { Progress = null }));
    }

    private static Guid Insert(RunStore store, string name, RunStatus status, DateTime? finishedUtc)
    {
        var run = new Run
        {
            Id = Guid.NewGuid(),
            Name = name,
            Config = TrainingConfig.ReportControl,
            Status = status,
            CreatedUtc = (finishedUtc ?? Now.UtcDateTime).AddHours(-1),
            FinishedUtc = finishedUtc,
        };
        store.InsertMany([run]);
        return run.Id;
    }
}
