using System.Net;
using System.Net.Sockets;
using Dashboard.Tests.Support;
using Dashboard.Training;
using Dashboard.Web.Storage;

namespace Dashboard.Tests.Web;

public sealed class CancelWhileLoadingDataTests
{
    [Fact]
    public async Task CancellingARunWhileTheDataSetDownloadsRecordsItCancelledNotFailed()
    {
        // A download source that accepts connections and never answers: the data set stays "loading".
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            using var dir = new TempDirectory();
            await using var app = new DashboardApp(dir.Path, new Dictionary<string, string?>
            {
                ["Dataset:SystemDirectories:0"] = Path.Combine(dir.Path, "nowhere"),
                ["Dataset:AllowDownload"] = "true",
                ["Dataset:DownloadBaseUrl"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/",
            });
            var run = app.Training.Launch(TrainingConfig.ReportControl with { Epochs = 1, TrainSubset = 1000 }).Run!;
            await Poll.UntilAsync(() => silent.Pending(), TimeSpan.FromSeconds(30), "the download connects to the silent server",
                () => Poll.Describe(app.Store, run.Id));

            Assert.True(app.Training.Cancel(run.Id));
            var finished = await app.WaitForFinishAsync(run.Id, TimeSpan.FromSeconds(30));

            Assert.Equal(RunStatus.Cancelled, finished.Status);
            Assert.Equal("Cancelled while the data set was loading.", finished.StatusReason);
            Assert.Empty(finished.Epochs);
        }
        finally
        {
            silent.Stop();
        }
    }
}
