using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Web.Operations;

/// <summary>Operator endpoints: the status report and the backup snapshot that `dotnet Dashboard.Web.dll backup` downloads.</summary>
public static class OperationsApi
{
    public const string BackupPath = "/api/admin/backup";
    public const string SummaryHeader = "X-Dashboard-Backup";

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", GetStatus).WithTags("Operations").WithName("GetStatus")
            .WithSummary("Database and artifact sizes, free disk, the queue, retention settings and its last pass.");
        app.MapGet(BackupPath, GetBackupAsync).RequireAuthorization(Accounts.Policies.Admin).WithTags("Operations").WithName("GetBackup")
            .WithSummary("A consistent snapshot of the whole database as a LiteDB file; from loopback only.");
        return app;
    }

    private static Ok<StatusReport> GetStatus(StatusReader status) => TypedResults.Ok(status.Read());

    private static async Task<IResult> GetBackupAsync(HttpContext http, BackupService backups)
    {
        // The whole database, every run and note: only to this machine (the command runs here).
        if (http.Connection.RemoteIpAddress is not { } remote || !System.Net.IPAddress.IsLoopback(remote))
            return Results.Problem("Backups are served to loopback (127.0.0.1) only: run `backup` on the dashboard's machine.", statusCode: StatusCodes.Status403Forbidden);
        if (await backups.TryWriteAsync() is not { } backup)
            return Results.Problem("Another backup is being written; try again when it is done.", statusCode: StatusCodes.Status409Conflict);
        var stream = new FileStream(backup.Path, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        http.Response.Headers[SummaryHeader] = backup.Summary.ToString();
        return Results.File(stream, "application/octet-stream", "dashboard-backup.db");
    }
}
