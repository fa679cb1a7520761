using System.Text.Json.Serialization;
using Dashboard.Web.Api;
using Dashboard.Web.Components;
using Dashboard.Web.Events;
using Dashboard.Web.Hubs;
using Dashboard.Web.Operations;
using Dashboard.Web.Storage;
using Dashboard.Web.Training;
using Dashboard.Web.Workers;
using MudBlazor.Services;

// Declared in the DI namespace so that Program.cs needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class DashboardWebExtensions
{
    /// <summary>Everything the dashboard needs: training core, storage, training service, UI, API, hub.</summary>
    public static IServiceCollection AddDashboardWeb(this IServiceCollection services)
    {
        services.AddTrainingServices();
        services.AddDashboardSecurity();

        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrainingOptions>().BindConfiguration(TrainingOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddOperations();
        services.AddSingleton(OperationsServiceCollectionExtensions.CreateLockedRunStore);
        // A stop (SIGTERM, Ctrl+C) ends within 10 s: the run in training sees the cancel at its next batch and is
        // stored Interrupted well within this; a write cut off by the deadline is rolled back by LiteDB (0014).
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(8));
        services.AddSingleton<RunNotifier>();
        services.AddTrainingRunners();
        services.AddSingleton<TrainingService>();
        services.AddHostedService<TrainingHubForwarder>();
        services.AddStudies();
        services.AddSingleton<Dashboard.Web.Analysis.AnalysisService>();
        // Who may change which run or study, and the audit record of each change (RunActions, StudyActions).
        services.AddSingleton<Dashboard.Web.Accounts.RunActions>();
        services.AddSingleton<Dashboard.Web.Accounts.StudyActions>();
        services.AddSingleton<Dashboard.Web.Baselines.BaselineStore>();
        services.AddOptions<Dashboard.Web.Prediction.PredictionOptions>().BindConfiguration(Dashboard.Web.Prediction.PredictionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Dashboard.Web.Prediction.ModelCache>();
        services.AddSingleton<Dashboard.Web.Prediction.Predictor>();
        services.AddSingleton<Dashboard.Web.Evaluation.RunEvaluations>();
        services.AddOptions<Dashboard.Web.Torch.TorchWorkOptions>().BindConfiguration(Dashboard.Web.Torch.TorchWorkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Dashboard.Web.Torch.TorchWork>();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSignalR().AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
            StrictInput.Strict(o.PayloadSerializerOptions);
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            // NaN and Infinity reach validation, which names the field, instead of failing as unreadable JSON.
            o.SerializerOptions.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        services.AddProblemDetails();
        services.AddStrictInput();
        services.AddOpenApi();
        return services;
    }

    /// <summary>The request pipeline and every endpoint.</summary>
    public static WebApplication MapDashboardWeb(this WebApplication app)
    {
        // Open the database at start-up, so a bad file stops the app with its message instead of failing the first request.
        app.Services.GetRequiredService<RunStore>();
        // The audit log creates its collection's indexes when first made: at start-up, so a full disk shows at once
        // (through the store's write rule, like any write) rather than in the first run change.
        app.Services.GetRequiredService<Dashboard.Web.Audit.AuditLog>();

        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseDashboardSecurity();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseApiProblems();
        app.UseDashboardAccess();
        app.UseAntiforgery();

        // Styles and scripts load before sign-in (the sign-in page needs them); they hold nothing private.
        app.MapStaticAssets().AllowAnonymous();
        // The API's description is for users of the API: signed in, like the API itself (the fallback policy).
        app.MapOpenApi();
        app.MapAccountEndpoints();
        app.MapRunsApi();
        app.MapAnnotationsApi();
        app.MapStudiesApi();
        app.MapCompareApi();
        app.MapBaselineApi();
        app.MapAnalysisApi();
        app.MapPredictApi();
        app.MapEnsemblesApi();
        app.MapGalleryApi();
        app.MapOperationsApi();
        app.MapWorkersApi();
        app.MapAccountsApi();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
