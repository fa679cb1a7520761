using System.Security.Cryptography;
using Dashboard.Training.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Training.Data;

/// <summary>
/// Finds, downloads if needed, verifies and loads Fashion-MNIST once per process. A failed attempt is
/// not cached, so a user can install the files and try again without restarting.
/// </summary>
public sealed class DatasetProvider(IOptions<DatasetOptions> options, IHttpClientFactory httpClients, ILogger<DatasetProvider> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FashionMnistData? _data;
    private volatile DatasetStatus _status = new(DatasetState.NotLoaded, "The data set has not been loaded yet.");

    /// <summary>Raised whenever <see cref="Status"/> changes (download progress at most ~10 times a second).</summary>
    public event Action<DatasetStatus>? StatusChanged;

    /// <summary>The current phase, for display.</summary>
    public DatasetStatus Status => _status;

    /// <summary>Returns the loaded data, locating, downloading and loading it on first use.</summary>
    /// <exception cref="DatasetException">No directory holds valid files and they could not be downloaded.</exception>
    public async Task<FashionMnistData> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_data is { } ready) return ready;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_data is { } loaded) return loaded;
            SetStatus(new(DatasetState.Loading, "Looking for Fashion-MNIST…"));
            var directory = await LocateOrDownloadAsync(cancellationToken);
            var data = await TorchThread.RunAsync(() => FashionMnistData.Load(directory, verifyChecksums: true), "data set load");
            _data = data;
            SetStatus(new(DatasetState.Ready, $"Fashion-MNIST loaded from {directory}."));
            logger.LogInformation("Fashion-MNIST loaded from {Directory}", directory);
            return data;
        }
        catch (DatasetException e)
        {
            SetStatus(new(DatasetState.Failed, e.Message));
            throw;
        }
        catch (OperationCanceledException)
        {
            SetStatus(new(DatasetState.NotLoaded, "Loading the data set was cancelled."));
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The first candidate directory that holds all four files (raw or .gz), or null.</summary>
    public string? FindDirectory()
    {
        return options.Value.SearchOrder.FirstOrDefault(HoldsAllFiles);
    }

    /// <summary>Whether <paramref name="directory"/> holds all four files, raw or .gz.</summary>
    public static bool HoldsAllFiles(string directory) =>
        FashionMnist.Files.All(f => FashionMnistData.FindFile(directory, f.Name) is not null);

    private async Task<string> LocateOrDownloadAsync(CancellationToken cancellationToken)
    {
        if (FindDirectory() is { } found) return found;
        var o = options.Value;
        var searched = string.Join(", ", o.SearchOrder);
        if (!o.AllowDownload)
            throw new DatasetException(
                $"Fashion-MNIST was not found (searched {searched}). Install the Debian package dataset-fashion-mnist " +
                $"(apt-get install dataset-fashion-mnist) or put the four idx files in {o.EffectiveDirectory}.");
        try
        {
            await DownloadAsync(o.EffectiveDirectory, cancellationToken);
        }
        catch (DatasetException e)
        {
            throw new DatasetException(
                $"{e.Message} Fashion-MNIST was not found locally either (searched {searched}): install the Debian package " +
                $"dataset-fashion-mnist or put the four idx files in {o.EffectiveDirectory}.", e);
        }
        return o.EffectiveDirectory;
    }

    /// <summary>
    /// Downloads every missing file into <paramref name="directory"/>, verifying the SHA-256 of the
    /// decompressed bytes; a file that does not match is deleted and the download fails.
    /// </summary>
    public async Task DownloadAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var missing = FashionMnist.Files.Where(f => FashionMnistData.FindFile(directory, f.Name) is null).ToList();
        using var http = httpClients.CreateClient(nameof(DatasetProvider));
        var baseUrl = options.Value.DownloadBaseUrl.TrimEnd('/') + "/";
        for (var i = 0; i < missing.Count; i++)
        {
            var file = missing[i];
            var url = baseUrl + file.Name + ".gz";
            logger.LogInformation("Downloading {Url}", url);
            byte[] gz;
            try
            {
                gz = await FetchAsync(http, url, fraction => SetStatus(new(DatasetState.Downloading,
                    $"Downloading {file.Name}.gz ({i + 1} of {missing.Count})…", (i + fraction) / missing.Count)), cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new DatasetException($"Could not download {url}: {e.Message}.", e);
            }
            VerifyAndWrite(directory, file, gz);
        }
    }

    internal static void VerifyAndWrite(string directory, IdxFileSpec file, byte[] gz)
    {
        var target = Path.Combine(directory, file.Name);
        var partial = target + ".partial";
        try
        {
            // The partial file exists so that a crash mid-way never leaves a plausible-looking file behind.
            File.WriteAllBytes(partial, gz);
            byte[] raw;
            try
            {
                raw = IdxReader.IsGzip(gz) ? IdxReader.Gunzip(gz) : gz;
            }
            catch (InvalidDataException e)
            {
                throw new DatasetException($"{file.Name}.gz: the download is not a valid gzip file ({e.Message}); it was deleted.", e);
            }
            var actual = Convert.ToHexStringLower(SHA256.HashData(raw));
            if (actual != file.Sha256)
                throw new DatasetException($"{file.Name}: checksum mismatch (SHA-256 {actual}, expected {file.Sha256}); the download was deleted.");
            File.WriteAllBytes(partial, raw);
            File.Move(partial, target, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static async Task<byte[]> FetchAsync(HttpClient http, string url, Action<double> progress, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        var total = response.Content.Headers.ContentLength;
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream(total is > 0 and < int.MaxValue ? (int)total : 1 << 20);
        var chunk = new byte[81920];
        var lastReport = DateTime.MinValue;
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (total is > 0 && DateTime.UtcNow - lastReport > TimeSpan.FromMilliseconds(100))
            {
                lastReport = DateTime.UtcNow;
                progress((double)buffer.Length / total.Value);
            }
        }
        progress(1);
        return buffer.ToArray();
    }

    private void SetStatus(DatasetStatus status)
    {
        _status = status;
        StatusChanged?.Invoke(status);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _data?.Dispose();
        _gate.Dispose();
    }
}
