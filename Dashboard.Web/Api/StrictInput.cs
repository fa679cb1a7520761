using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Web.Api;

/// <summary>
/// Bad input gets a problem-details answer that says what is wrong, and changes nothing
/// (docs/decisions/0017-strict-input.md): unknown JSON fields and nulls in non-nullable fields are refused by
/// System.Text.Json, minimal APIs' binding failures (415, unreadable JSON, missing body) reach
/// <see cref="BadRequestProblems"/>, and bodies above <see cref="MaxBodyBytes"/> are cut off by Kestrel.
/// </summary>
public static class StrictInput
{
    /// <summary>Largest JSON body of any endpoint: the largest real one (a predict request, a 4,000-character note) is under 25 KB.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Strict JSON for the API and the hub, and binding failures thrown so that they can be answered with a message.</summary>
    public static IServiceCollection AddStrictInput(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => Strict(o.SerializerOptions));
        // Production's default is false: the 400 would go out with an empty body and the reason only in the log.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestProblems>();
        services.AddExceptionHandler<DiskFullProblems>();
        return services;
    }

    /// <summary>
    /// Refuses unknown properties, null for a non-nullable property, and numbers sent as strings ("12"; the named
    /// literals "NaN" and "Infinity" still reach validation) when reading; writing is unchanged (stored documents from
    /// older versions may hold nulls that must still be served).
    /// </summary>
    public static void Strict(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling &= ~JsonNumberHandling.AllowReadingFromString;
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(WriteNullsAsBefore);
    }

    private static void WriteNullsAsBefore(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (!property.PropertyType.IsValueType || Nullable.GetUnderlyingType(property.PropertyType) is not null)
                property.IsGetNullable = true;
        }
    }

    /// <summary>
    /// Under /api, every exception and every empty error status becomes problem details (the pages keep their
    /// error page and not-found page), and bodies are capped at <see cref="MaxBodyBytes"/>.
    /// </summary>
    public static WebApplication UseApiProblems(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.Use((http, next) =>
            {
                if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                    limit.MaxRequestBodySize = http.GetEndpoint()?.Metadata.GetMetadata<Workers.LargeBody>()?.Bytes ?? MaxBodyBytes;
                return next(http);
            });
            api.UseExceptionHandler();
            api.UseStatusCodePages(EmptyErrorAsProblemAsync);
        });
        return app;
    }

    /// <summary>The 413 detail: the cap of this endpoint (the workers' reports have a larger one than the rest).</summary>
    internal static string TooLarge(HttpContext http)
    {
        var cap = http.GetEndpoint()?.Metadata.GetMetadata<Workers.LargeBody>()?.Bytes;
        return cap is { } bytes
            ? $"The body is larger than {bytes / (1024 * 1024)} MB, the most this endpoint reads. Nothing was done."
            : $"The body is larger than {MaxBodyBytes / 1024} KB, the most any endpoint of this API reads. Nothing was done.";
    }

    private static Task EmptyErrorAsProblemAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var detail = status switch
        {
            StatusCodes.Status413PayloadTooLarge => TooLarge(http),
            StatusCodes.Status404NotFound => $"Nothing answers {http.Request.Method} {http.Request.Path}: see /openapi/v1.json for the endpoints.",
            StatusCodes.Status405MethodNotAllowed => $"{http.Request.Path} does not answer {http.Request.Method}: see /openapi/v1.json for its methods.",
            // Also answered by routing for the workers' multipart reports (their Accepts metadata), before any handler runs.
            StatusCodes.Status415UnsupportedMediaType => $"This endpoint does not read {(http.Request.ContentType is { } type ? type[..Math.Min(type.Length, 100)] : "a body without a content type")}: send JSON with Content-Type: application/json (a worker's epoch and ended reports: multipart/form-data).",
            _ => "The request could not be read. Nothing was done.",
        };
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Detail = detail },
        }).AsTask();
    }
}

/// <summary>
/// Answers minimal APIs' binding failures (thrown as <see cref="BadHttpRequestException"/> because
/// <see cref="RouteHandlerOptions.ThrowOnBadRequest"/> is on) with their status and a sentence that names the
/// field, instead of an empty 400 or a developer page.
/// </summary>
public sealed class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || http.Response.HasStarted) return false;
        http.Response.StatusCode = bad.StatusCode;
        var problem = Describe(bad);
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge) problem.Detail = StrictInput.TooLarge(http);
        problem.Status = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    /// <summary>A title and a detail for one binding failure; a JSON failure names the field by its JSON path.</summary>
    public static ProblemDetails Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var path = json.Path ?? "$";
            if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            {
                return new ProblemDetails
                {
                    Title = "Unknown field",
                    Detail = $"'{FieldName(path)}' (at {path}) is not a field of this request, so nothing was done. Check its spelling and where it is nested.",
                    Extensions = { ["field"] = path },
                };
            }
            return new ProblemDetails
            {
                Title = "Unreadable JSON",
                Detail = $"The body could not be read at {path}: {WithoutPosition(json.Message)} Nothing was done.",
                Extensions = { ["field"] = path },
            };
        }
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return new ProblemDetails { Title = "Body too large", Detail = $"The body is larger than {StrictInput.MaxBodyBytes / 1024} KB, the most any endpoint of this API reads. Nothing was done." };
        if (bad.Message.Contains("no body was provided", StringComparison.Ordinal))
            return new ProblemDetails { Title = "Missing body", Detail = "This endpoint needs a JSON body; none was sent. Nothing was done." };
        // The title comes from the status (ProblemDetails' defaults): "Unsupported Media Type", "Bad Request"…
        return new ProblemDetails { Detail = bad.Message };
    }

    // "$.config.foo" -> "config.foo"; "$.alternatives.batchSizes[3]" -> "alternatives.batchSizes[3]".
    private static string FieldName(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    // System.Text.Json appends " Path: $.x | LineNumber: 0 | BytePositionInLine: 12."; the path is already given.
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
