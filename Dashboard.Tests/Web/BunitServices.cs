using Bunit;
using Dashboard.Tests.Support;
using Dashboard.Training.Data;
using Dashboard.Web.Events;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Dashboard.Tests.Web;

/// <summary>
/// The dashboard's real services in a bUnit context: a LiteDB file under <c>dataDirectory</c>, the
/// notifier, the data set provider (no download) and a training service that queues but is not started.
/// </summary>
internal static class BunitServices
{
    public static BunitContext AddDashboardServices(this BunitContext ctx, string dataDirectory)
    {
        ctx.AddMudBlazor();
        ctx.Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        ctx.Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        ctx.Services.AddHttpClient();
        ctx.Services.AddSingleton(Options.Create(new StorageOptions { DatabasePath = Path.Combine(dataDirectory, "dashboard.db") }));
        ctx.Services.AddSingleton(Options.Create(new DatasetOptions
        {
            Directory = Path.Combine(dataDirectory, "fashion-mnist"),
            SystemDirectories = [RealData.SystemDirectory],
            AllowDownload = false,
        }));
        ctx.Services.AddSingleton(Options.Create(new TrainingOptions()));
        ctx.Services.AddSingleton<RunStore>();
        ctx.Services.AddSingleton<RunNotifier>();
        ctx.Services.AddSingleton<DatasetProvider>();
        ctx.Services.AddSingleton(Options.Create(new Dashboard.Web.Prediction.PredictionOptions()));
        ctx.Services.AddSingleton<Dashboard.Web.Prediction.ModelCache>();
        ctx.Services.AddSingleton<Dashboard.Web.Evaluation.RunEvaluations>();
        ctx.Services.AddSingleton(Options.Create(new Dashboard.Web.Torch.TorchWorkOptions()));
        ctx.Services.AddSingleton<Dashboard.Web.Torch.TorchWork>();
        ctx.Services.AddSingleton<InProcessRunner>();
        ctx.Services.AddSingleton<IRunRunner>(sp => sp.GetRequiredService<InProcessRunner>());
        ctx.Services.AddSingleton<TrainingService>();
        ctx.Services.AddStudies();
        ctx.Services.AddSingleton<Dashboard.Web.Analysis.AnalysisService>();
        ctx.Services.AddSingleton(TimeProvider.System);
        ctx.Services.AddSingleton<Dashboard.Web.Audit.AuditLog>();
        ctx.Services.AddSingleton<Dashboard.Web.Accounts.RunActions>();
        ctx.Services.AddSingleton<Dashboard.Web.Accounts.StudyActions>();
        ctx.Services.AddSingleton<Dashboard.Web.Baselines.BaselineStore>();
        ctx.Services.AddSingleton(Options.Create(new Dashboard.Web.Security.AccessOptions()));
        // As in Local mode: the one user is "local", an admin. A test may call AddAuthorization again to be someone else.
        ctx.AddAuthorization().SetAuthorized(Dashboard.Web.Accounts.Actor.LocalName).SetRoles(nameof(Dashboard.Web.Accounts.Role.Admin));
        return ctx;
    }

    /// <summary>MudBlazor's services, with JS interop loose: MudBlazor's components call JS whose answers the tests do not need.</summary>
    public static BunitContext AddMudBlazor(this BunitContext ctx)
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        return ctx;
    }

    public static RunStore Store(this BunitContext ctx) => ctx.Services.GetRequiredService<RunStore>();

    public static RunNotifier Notifier(this BunitContext ctx) => ctx.Services.GetRequiredService<RunNotifier>();
}

/// <summary>A class of component tests: each test has a temp directory of its own for the database of its contexts.</summary>
public abstract class ComponentTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    /// <summary>Where the contexts' database (and data set folder) live.</summary>
    protected string DataDirectory => _dir.Path;

    /// <summary>A context with the dashboard's real services (<see cref="BunitServices.AddDashboardServices"/>).</summary>
    protected BunitContext NewContext() => new BunitContext().AddDashboardServices(_dir.Path);

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
