using Dashboard.Web.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Web.Api;

/// <summary>
/// Answers a write that found the disk full (a tag, a note, a delete, a study…) with 507 Insufficient Storage instead
/// of a 500: RunStore writes each change as one transaction, so a <see cref="DiskFullException"/> means nothing was kept.
/// </summary>
public sealed class DiskFullProblems(IProblemDetailsService problems, ILogger<DiskFullProblems> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (!DiskFullException.IsDiskFull(exception) || http.Response.HasStarted) return false;
        logger.LogWarning("{Method} {Path} found the disk full: {Message}", http.Request.Method, http.Request.Path, exception.Message);
        http.Response.StatusCode = StatusCodes.Status507InsufficientStorage;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status507InsufficientStorage,
                Title = "Disk full",
                Detail = "The disk that holds the run database is full, so nothing was changed. Free space on it, then try again.",
            },
        });
    }
}
