using Dashboard.Web.Security;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

// Declared in the DI namespace so that the app's composition needs no usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class SecurityExtensions
{
    /// <summary>Access mode, accounts, rate limits, trusted proxies and the guards that hold in every mode.</summary>
    public static IServiceCollection AddDashboardSecurity(this IServiceCollection services)
    {
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((o, proxy) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var entry in proxy.Value.TrustedProxies)
            {
                if (System.Net.IPAddress.TryParse(entry, out var address)) o.KnownProxies.Add(address);
                else o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
            }
        });
        // Unset AllowedHosts means "*" to ASP.NET Core; in Local mode it means loopback names only (LoopbackGuard).
        services.AddOptions<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>().PostConfigure<IConfiguration, IOptions<AccessOptions>>((o, configuration, access) =>
        {
            if (string.IsNullOrWhiteSpace(configuration[LoopbackGuard.AllowedHostsKey]) && access.Value.Mode == AccessMode.Local)
                o.AllowedHosts = LoopbackGuard.LoopbackHosts;
        });
        services.AddHostedService<LoopbackGuard>();
        services.AddDashboardAccounts();
        services.AddDashboardRateLimits();
        return services;
    }

    /// <summary>
    /// Forwarded headers from trusted proxies (so scheme, host and client address are the real ones), then
    /// security headers and the same-origin rule, before anything that answers a request.
    /// </summary>
    public static IApplicationBuilder UseDashboardSecurity(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<ProxyOptions>>().Value.TrustedProxies.Count > 0)
            app.UseForwardedHeaders();
        return app.UseMiddleware<SecurityHeaders>().UseMiddleware<SameOriginGuard>();
    }

    /// <summary>Who the request is from, whether they may, and how often: after routing and before the endpoints.</summary>
    public static IApplicationBuilder UseDashboardAccess(this IApplicationBuilder app) =>
        app.UseDashboardAccounts().UseRateLimiter();
}
