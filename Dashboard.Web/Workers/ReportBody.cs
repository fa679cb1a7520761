using System.Text.Json;
using Dashboard.Training.Execution;
using Dashboard.Web.Api;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Dashboard.Web.Workers;

/// <summary>
/// A worker's epoch or ended report as it arrives (multipart/form-data, <see cref="WorkerProtocol"/>): first the
/// report part as strict JSON, then each binary part it declares. Read one part at a time, so that the handler checks
/// the report and its lease before a single byte of a checkpoint or weights is read. Each binary part is read once,
/// into an array of its declared length, and must match that length and its SHA-256. Anything malformed is thrown as
/// a <see cref="BadHttpRequestException"/>, which <see cref="BadRequestProblems"/> answers with problem details.
/// </summary>
public sealed class ReportBody
{
    /// <summary>Largest binary part: a checkpoint of the biggest model with room (the request as a whole is capped by <see cref="LargeBody"/>).</summary>
    public const long MaxPartBytes = WorkersApi.MaxReportBytes;

    private const string Multipart = "multipart/form-data";
    private const string Octets = "application/octet-stream";
    private readonly MultipartReader _reader;
    private readonly long _contentLength;
    private readonly CancellationToken _cancel;

    private ReportBody(MultipartReader reader, long contentLength, CancellationToken cancel)
    {
        _reader = reader;
        _contentLength = contentLength;
        _cancel = cancel;
    }

    /// <summary>The body of <paramref name="request"/>, once its content type says multipart/form-data with a boundary.</summary>
    public static ReportBody Open(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals(Multipart, StringComparison.OrdinalIgnoreCase))
            throw Bad($"This endpoint reads {Multipart}: a JSON part named \"{WorkerProtocol.ReportPart}\", then the binary parts it declares.", StatusCodes.Status415UnsupportedMediaType);
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        // RFC 2046: 1 to 70 characters.
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 70) throw Bad("The multipart content type needs a boundary of 1 to 70 characters.");
        // Known up front, so that a part declaring more bytes than the body holds is refused before its array is allocated.
        if (request.ContentLength is not { } length) throw Bad("A report needs a Content-Length (not a chunked body).", StatusCodes.Status411LengthRequired);
        return new ReportBody(new MultipartReader(boundary, request.Body)
        {
            HeadersCountLimit = 8,
            HeadersLengthLimit = 4096,
            BodyLengthLimit = MaxPartBytes,
        }, length, request.HttpContext.RequestAborted);
    }

    /// <summary>The report part, read (at most <see cref="StrictInput.MaxBodyBytes"/>) and parsed with the API's strict JSON options.</summary>
    public async Task<T> ReadReportAsync<T>(JsonSerializerOptions json) where T : class
    {
        var section = await NextAsync(WorkerProtocol.ReportPart, "application/json");
        var buffer = new byte[StrictInput.MaxBodyBytes + 1];
        var length = await ReadUpToAsync(section.Body, buffer);
        if (length > StrictInput.MaxBodyBytes) throw Bad($"The {WorkerProtocol.ReportPart} part is larger than {StrictInput.MaxBodyBytes / 1024} KB. Nothing was done.");
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), json) ?? throw Bad($"The {WorkerProtocol.ReportPart} part is JSON null. Nothing was done.");
        }
        catch (JsonException e)
        {
            // Worded by BadRequestProblems as for a JSON body: unknown field, or unreadable at a path.
            throw new BadHttpRequestException(e.Message, StatusCodes.Status400BadRequest, e);
        }
    }

    /// <summary>The next part, which must be <paramref name="name"/> and hold exactly what <paramref name="declared"/> says.</summary>
    public async Task<byte[]> ReadArtifactAsync(string name, ArtifactDigest declared)
    {
        var section = await NextAsync(name, Octets);
        // The declared length was checked against MaxPartBytes with the report (DigestError).
        if (declared.Length > _contentLength) throw Bad($"The {name} part declares {declared.Length:N0} bytes in a body of {_contentLength:N0}. Nothing was stored.");
        var bytes = new byte[declared.Length];
        var length = await ReadUpToAsync(section.Body, bytes);
        if (length < declared.Length) throw Bad($"The {name} part has {length:N0} bytes where {declared.Length:N0} were declared. Nothing was stored.");
        if (await section.Body.ReadAsync(new byte[1], _cancel) > 0) throw Bad($"The {name} part has more than the {declared.Length:N0} bytes declared. Nothing was stored.");
        var sha256 = WorkerProtocol.Sha256(bytes);
        if (!sha256.Equals(declared.Sha256, StringComparison.OrdinalIgnoreCase))
            throw Bad($"The {name} part's SHA-256 is {sha256} where {declared.Sha256} was declared: it was damaged on the way. Nothing was stored.");
        return bytes;
    }

    /// <summary>Checks that no part follows the ones read.</summary>
    public async Task EndAsync()
    {
        if (await ReadSectionAsync() is { } extra)
            throw Bad($"The body has a part ({NameOf(extra) ?? "unnamed"}) after the ones the report declares. Nothing was stored.");
    }

    /// <summary>Why <paramref name="digest"/> cannot describe a part named <paramref name="name"/>, or null.</summary>
    public static string? DigestError(string name, ArtifactDigest? digest) => digest switch
    {
        null => null,
        { Length: < 0 or > MaxPartBytes } => $"{name}.length must be between 0 and {MaxPartBytes:N0}.",
        { Sha256: null } or { Sha256.Length: not 64 } => $"{name}.sha256 must be 64 hexadecimal digits.",
        _ when !digest.Sha256.All(char.IsAsciiHexDigit) => $"{name}.sha256 must be 64 hexadecimal digits.",
        _ => null,
    };

    private async Task<MultipartSection> NextAsync(string name, string contentType)
    {
        var section = await ReadSectionAsync() ?? throw Bad($"The body ends before its {name} part. Nothing was stored.");
        var actual = NameOf(section);
        if (actual != name) throw Bad($"Expected the {name} part here, found {(actual is null ? "a part without a form-data name" : $"\"{actual}\"")}. Nothing was stored.");
        if (!MediaTypeHeaderValue.TryParse(section.ContentType, out var type) || !type.MediaType.Equals(contentType, StringComparison.OrdinalIgnoreCase))
            throw Bad($"The {name} part must be {contentType}, not {section.ContentType ?? "without a content type"}.");
        return section;
    }

    private async Task<MultipartSection?> ReadSectionAsync()
    {
        try
        {
            return await _reader.ReadNextSectionAsync(_cancel);
        }
        catch (Exception e) when (e is IOException or InvalidDataException && e is not BadHttpRequestException)
        {
            // MultipartReader's words for a cut or malformed body ("Unexpected end of Stream", "Line length limit exceeded").
            throw Bad($"The multipart body is malformed: {e.Message} Nothing was stored.");
        }
    }

    private async Task<int> ReadUpToAsync(Stream stream, byte[] buffer)
    {
        var total = 0;
        try
        {
            while (total < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(total), _cancel);
                if (read == 0) break;
                total += read;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException && e is not BadHttpRequestException)
        {
            throw Bad($"The multipart body is malformed: {e.Message} Nothing was stored.");
        }
        return total;
    }

    private static string? NameOf(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
            : null;

    private static BadHttpRequestException Bad(string message, int status = StatusCodes.Status400BadRequest) => new(message, status);
}
