using Dashboard.Tests.Support;
using Dashboard.Training.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Training;

public class DatasetDownloadTests
{
    private static ServiceProvider Services(string directory, string baseUrl, bool allowDownload = true) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dataset:Directory"] = directory,
                ["Dataset:SystemDirectories:0"] = Path.Combine(directory, "nowhere"),
                ["Dataset:DownloadBaseUrl"] = baseUrl,
                ["Dataset:AllowDownload"] = allowDownload.ToString(),
            }).Build())
            .AddTrainingServices()
            .BuildServiceProvider();

    private static Dictionary<string, byte[]> RealGzipFiles()
    {
        _ = RealData.Get(); // says what to install when the data set is missing
        return FashionMnist.Files.ToDictionary(f => f.Name + ".gz", f =>
        {
            var path = FashionMnistData.FindFile(RealData.SystemDirectory, f.Name)!;
            var bytes = File.ReadAllBytes(path);
            return IdxReader.IsGzip(bytes) ? bytes : IdxBuilder.Gzip(bytes);
        });
    }

    [Fact]
    public async Task DownloadsVerifiesAndLoadsTheOfficialFiles()
    {
        using var dir = new TempDirectory();
        using var server = new LoopbackFileServer(RealGzipFiles());
        await using var services = Services(dir.Path, server.BaseUrl);
        var provider = services.GetRequiredService<DatasetProvider>();
        var fractions = new List<double>();
        provider.StatusChanged += s => { if (s.DownloadFraction is { } f) lock (fractions) fractions.Add(f); };

        var data = await provider.GetAsync();

        Assert.Equal(60_000, data.TrainCount);
        Assert.Equal(10_000, data.TestCount);
        Assert.Equal(DatasetState.Ready, provider.Status.State);
        Assert.All(FashionMnist.Files, f => Assert.True(File.Exists(dir.File(f.Name)), f.Name));
        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(1.0, fractions.Max(), 1e-3);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.partial"));
    }

    [Fact]
    public async Task ChecksumMismatchDeletesTheDownloadAndSaysSo()
    {
        using var dir = new TempDirectory();
        var fakes = FashionMnist.Files.ToDictionary(f => f.Name + ".gz",
            f => IdxBuilder.Gzip(f.Kind == IdxKind.Images ? IdxBuilder.Images(3) : IdxBuilder.Labels(3)));
        using var server = new LoopbackFileServer(fakes);
        await using var services = Services(dir.Path, server.BaseUrl);
        var provider = services.GetRequiredService<DatasetProvider>();

        var e = await Assert.ThrowsAsync<DatasetException>(() => provider.GetAsync());

        Assert.Contains("checksum mismatch", e.Message);
        Assert.Contains("the download was deleted", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
        Assert.Equal(DatasetState.Failed, provider.Status.State);
    }

    [Fact]
    public async Task UnreachableFileFailsWithTheAddressAndWhatToInstall()
    {
        using var dir = new TempDirectory();
        using var server = new LoopbackFileServer(new Dictionary<string, byte[]>());
        await using var services = Services(dir.Path, server.BaseUrl);

        var e = await Assert.ThrowsAsync<DatasetException>(() => services.GetRequiredService<DatasetProvider>().GetAsync());

        Assert.Contains("Could not download " + server.BaseUrl + "train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public async Task WithoutDownloadsAMissingDataSetSaysWhatToInstall()
    {
        using var dir = new TempDirectory();
        await using var services = Services(dir.Path, "http://127.0.0.1:9/", allowDownload: false);

        var e = await Assert.ThrowsAsync<DatasetException>(() => services.GetRequiredService<DatasetProvider>().GetAsync());

        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains(dir.Path, e.Message);
    }

    [Fact]
    public void InvalidOptionsStopStartUpNamingTheSetting()
    {
        using var services = Services("", "not a url");
        var e = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatasetOptions>>().Value);
        Assert.Contains("Directory", e.Message);
    }
}
