namespace Dashboard.Tests.Support;

/// <summary>
/// The dashboard in Training:Mode=Workers on a test's PostgreSQL, and worker processes for it, with the short timings
/// the worker tests use (a lost worker is given up on after 10 s, a killed worker's job fetched again after 8 s).
/// </summary>
public static class WorkerCluster
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The dashboard on <paramref name="port"/> (0: a free one), in Accounts mode if asked.</summary>
    public static DashboardApp StartDashboard(string directory, PostgresServer postgres, int port = 0, bool accounts = false)
    {
        var settings = accounts ? Accounts.Mode() : [];
        settings["Training:Mode"] = "Workers";
        settings["ConnectionStrings:Hangfire"] = postgres.ConnectionString;
        settings["JobQueue:InvisibilityTimeout"] = "00:00:08";
        settings["JobQueue:DistributedLockTimeout"] = "00:00:05";
        settings["Workers:LostAfterSeconds"] = "10";
        settings["Workers:CheckEverySeconds"] = "1";
        return new DashboardApp(directory, settings, port);
    }

    /// <summary>A worker process for <paramref name="app"/>, not yet waited for.</summary>
    public static WorkerProcess StartWorker(string name, DashboardApp app, PostgresServer postgres, string? token = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = postgres.ConnectionString,
            ["JobQueue__InvisibilityTimeout"] = "00:00:08",
            // A lock left behind by the PostgreSQL restart is taken over after this (JobQueueOptions.DistributedLockTimeout).
            ["JobQueue__DistributedLockTimeout"] = "00:00:05",
            ["JobQueue__QueuePollInterval"] = "00:00:00.500",
            ["Worker__DashboardUrl"] = app.BaseAddress.ToString(),
            ["Worker__Slots"] = "1",
            ["Worker__ThreadsPerSlot"] = "1",
            ["Worker__HeartbeatInterval"] = "00:00:02",
            ["Worker__ServerTimeout"] = "00:00:10",
            // Long enough for a restart of the dashboard, short enough that a test never waits a day.
            ["Worker__DeliverFor"] = "00:02:00",
            ["Dataset__SystemDirectories__0"] = RealData.SystemDirectory,
            ["Dataset__Directory"] = Path.Combine(app.DataDirectory, "worker-data"),
            ["Dataset__AllowDownload"] = "false",
            // Its retries of a job's state change are logged at Debug: the PostgreSQL test says whether a restart cut one off.
            ["Logging__LogLevel__Hangfire.Server.Worker"] = "Debug",
        };
        if (token is not null) settings["Worker__Token"] = token;
        return WorkerProcess.Start(name, settings);
    }

    /// <summary>A worker process for <paramref name="app"/>, once its Hangfire server fetches jobs.</summary>
    public static async Task<WorkerProcess> StartWorkerAsync(string name, DashboardApp app, PostgresServer postgres, string? token = null)
    {
        var worker = StartWorker(name, app, postgres, token);
        try
        {
            await worker.WaitUntilServingAsync(StartTimeout);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
        return worker;
    }
}
