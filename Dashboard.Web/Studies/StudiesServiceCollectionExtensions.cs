using Dashboard.Web.Studies;

// Declared in the DI namespace, like AddDashboardWeb, so the one call needs no using.
namespace Microsoft.Extensions.DependencyInjection;

public static class StudiesServiceCollectionExtensions
{
    /// <summary>Study storage (in the runs' database), the service that launches and cancels studies, and the halving studies' coordinator.</summary>
    public static IServiceCollection AddStudies(this IServiceCollection services)
    {
        services.AddSingleton<StudyStore>();
        services.AddSingleton<StudyService>();
        // After the runners (AddTrainingRunners): at start it finds runs cut off by the stop already marked Interrupted.
        services.AddSingleton<HalvingCoordinator>();
        services.AddHostedService(sp => sp.GetRequiredService<HalvingCoordinator>());
        return services;
    }
}
