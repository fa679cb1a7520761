using Dashboard.Web.Security;

// Declared in the DI namespace so that the app's composition needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class SecurityExtensions
{
    /// <summary>Access mode and the guards that hold in every mode.</summary>
    public static IServiceCollection AddDashboardSecurity(this IServiceCollection services)
    {
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<LoopbackGuard>();
        return services;
    }

    /// <summary>Security headers and the same-origin rule, before anything that answers a request.</summary>
    public static IApplicationBuilder UseDashboardSecurity(this IApplicationBuilder app) =>
        app.UseMiddleware<SecurityHeaders>().UseMiddleware<SameOriginGuard>();
}
