using Dashboard.Training.Data;

// Declared in the DI namespace so that callers find it without another using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the training core.</summary>
public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DatasetOptions"/> (section "Dataset", validated at start-up) and the
    /// process-wide <see cref="DatasetProvider"/>.
    /// </summary>
    public static IServiceCollection AddTrainingServices(this IServiceCollection services)
    {
        services.AddOptions<DatasetOptions>()
            .BindConfiguration(DatasetOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient(nameof(DatasetProvider), client => client.Timeout = TimeSpan.FromMinutes(10));
        services.AddSingleton<DatasetProvider>();
        return services;
    }
}
