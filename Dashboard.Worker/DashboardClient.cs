using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Training.Execution;
using Microsoft.Extensions.Options;

namespace Dashboard.Worker;

/// <summary>The refusal of a report or claim by the dashboard: the run is not (or no longer) this worker's.</summary>
public sealed class RunRefusedException(string message) : Exception(message);

/// <summary>The dashboard found a report malformed (400, 413, 415): sending it again cannot help.</summary>
public sealed class ReportRejectedException(string message) : Exception(message);

/// <summary>The dashboard's workers API (<see cref="WorkerProtocol.BasePath"/>), with the worker's token.</summary>
public sealed class DashboardClient
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly HttpClient _http;

    public DashboardClient(HttpClient http, IOptions<WorkerOptions> options)
    {
        _http = http;
        _http.BaseAddress = options.Value.DashboardUrl;
        // Reports carry checkpoints and final results; a slow link gets minutes, not the default 100 s.
        _http.Timeout = TimeSpan.FromMinutes(5);
        if (options.Value.Token is { Length: > 0 } token) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<HeartbeatReply> HeartbeatAsync(WorkerHeartbeat heartbeat, CancellationToken ct) => PostAsync<HeartbeatReply>("heartbeat", heartbeat, ct)!;

    /// <summary>The claim, or null when the dashboard says the run is not claimable (cancelled, finished, someone else's).</summary>
    public async Task<ClaimReply?> ClaimAsync(Guid runId, string workerId, CancellationToken ct)
    {
        try
        {
            return await PostAsync<ClaimReply>($"runs/{runId}/claim", new ClaimRequest(workerId), ct);
        }
        catch (RunRefusedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The checkpoint a claimed run resumes from, checked against the claim's <paramref name="digest"/>; null when the
    /// dashboard has none readable now (the run then starts over).
    /// </summary>
    /// <exception cref="RunRefusedException">409: the run is no longer this worker's.</exception>
    /// <exception cref="InvalidDataException">The bytes do not match the digest.</exception>
    public async Task<byte[]?> CheckpointAsync(Guid runId, Guid lease, ArtifactDigest digest, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{WorkerProtocol.BasePath}/runs/{runId}/checkpoint?lease={lease}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ThrowIfRefusedAsync(response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (bytes.LongLength != digest.Length || WorkerProtocol.Sha256(bytes) != digest.Sha256.ToLowerInvariant())
            throw new InvalidDataException($"The checkpoint of run {runId} arrived with {bytes.LongLength:N0} bytes and SHA-256 {WorkerProtocol.Sha256(bytes)}; the claim said {digest.Length:N0} bytes, {digest.Sha256}.");
        return bytes;
    }

    /// <summary>Posts a report as JSON; the answer's body is read as <typeparamref name="T"/> when there is one.</summary>
    /// <exception cref="RunRefusedException">409 or 404: the run is not this worker's to report on.</exception>
    /// <exception cref="UnauthorizedAccessException">401 or 403: the token is wrong, revoked or not an admin's.</exception>
    /// <exception cref="ReportRejectedException">400, 413 or 415: the dashboard found the report malformed.</exception>
    /// <exception cref="HttpRequestException">The dashboard could not be reached or failed: try again.</exception>
    public async Task<T?> PostAsync<T>(string path, object body, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(WorkerProtocol.BasePath + "/" + path, body, Json, ct);
        await ThrowIfRefusedAsync(response, ct);
        return response.Content.Headers.ContentLength is 0 ? default : await response.Content.ReadFromJsonAsync<T>(Json, ct);
    }

    /// <summary>
    /// Posts an epoch or ended report as multipart/form-data (docs/decisions/0021): the report as JSON, then each binary
    /// part it declares, sent from the arrays as they are. Exceptions as <see cref="PostAsync{T}"/>.
    /// </summary>
    public async Task PostPartsAsync(string path, object report, IReadOnlyList<(string Name, byte[] Bytes)> parts, CancellationToken ct)
    {
        using var content = new MultipartFormDataContent();
        // As bytes, not JsonContent: with every part's length known the request has a Content-Length (no chunking).
        var json = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(report, report.GetType(), Json));
        json.Headers.ContentType = new MediaTypeHeaderValue(MediaTypeNames.Application.Json);
        content.Add(json, WorkerProtocol.ReportPart);
        foreach (var (name, bytes) in parts)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(MediaTypeNames.Application.Octet);
            content.Add(part, name);
        }
        using var response = await _http.PostAsync(WorkerProtocol.BasePath + "/" + path, content, ct);
        await ThrowIfRefusedAsync(response, ct);
    }

    private async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            throw new RunRefusedException(await response.Content.ReadAsStringAsync(ct));
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new UnauthorizedAccessException(
                $"The dashboard at {_http.BaseAddress} refused this worker's token ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(ct)} " +
                "Set Worker:Token to an admin's API token from the dashboard's Tokens page.");
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnsupportedMediaType)
            throw new ReportRejectedException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"The dashboard answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}", null, response.StatusCode);
    }
}
