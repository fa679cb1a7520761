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
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
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

    public static RunStore Store(this BunitContext ctx) => ctx.Services.GetRequiredService<RunStore>();

    public static RunNotifier Notifier(this BunitContext ctx) => ctx.Services.GetRequiredService<RunNotifier>();
}
