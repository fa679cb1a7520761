using Dashboard.Web.Studies;

// Declared in the DI namespace, like AddDashboardWeb, so the one call needs no using.
namespace Microsoft.Extensions.DependencyInjection;

public static class StudiesServiceCollectionExtensions
{
    /// <summary>Study storage (in the runs' database) and the service that launches and cancels studies.</summary>
    public static IServiceCollection AddStudies(this IServiceCollection services)
    {
        services.AddSingleton<StudyStore>();
        services.AddSingleton<StudyService>();
        return services;
    }
}
