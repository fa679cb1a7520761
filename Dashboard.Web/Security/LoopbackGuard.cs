using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>
/// In <see cref="AccessMode.Local"/> anyone who reaches the port can do anything, so the dashboard must only
/// be reachable from this machine. Checked once the server has bound its addresses (the truth, whatever
/// mix of Urls, ASPNETCORE_URLS, Kestrel endpoints or code chose them); a wrong binding stops the app.
/// Before that, in every mode, <c>AllowedHosts</c> must name the host names the dashboard answers to.
/// </summary>
public sealed class LoopbackGuard(IServer server, IOptions<AccessOptions> options, IConfiguration configuration) : IHostedLifecycleService
{
    public const string AllowedHostsKey = "AllowedHosts";

    /// <summary>
    /// Refuses <c>AllowedHosts</c> <c>*</c> (or unset, which host filtering treats alike). In Local mode any host name
    /// lets a web page rebind its own name to 127.0.0.1 and use the dashboard as its own origin; in Accounts mode
    /// the Host header would be believed in links and redirects the dashboard builds.
    /// </summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var hosts = (configuration[AllowedHostsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (hosts.Length > 0 && !hosts.Contains("*")) return Task.CompletedTask;
        var example = options.Value.Mode == AccessMode.Local ? "localhost;127.0.0.1;[::1]" : "dashboard.example.com";
        throw new InvalidOperationException(
            $"AllowedHosts is “{configuration[AllowedHostsKey]}”, which lets any host name reach the dashboard (Access:Mode is {options.Value.Mode}). " +
            $"Set AllowedHosts to the names it is reached by, separated by ';', e.g. AllowedHosts={example}.");
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Mode != AccessMode.Local) return Task.CompletedTask;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var open = addresses.Where(a => !IsLoopback(a)).ToList();
        if (open.Count > 0)
        {
            throw new InvalidOperationException(
                $"Access:Mode is Local (no sign-in), so the dashboard listens only on loopback, but it is bound to {string.Join(", ", open)}. " +
                "Bind it to 127.0.0.1 or [::1] (setting Urls, e.g. --urls http://127.0.0.1:5000), or put it behind a reverse proxy on this machine.");
        }
        return Task.CompletedTask;
    }

    /// <summary>Whether a bound address (e.g. <c>http://127.0.0.1:5000</c>, <c>http://[::]:80</c>, <c>http://+:80</c>) accepts only local connections.</summary>
    public static bool IsLoopback(string address)
    {
        var rest = address.Contains("://", StringComparison.Ordinal) ? address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..] : address;
        var host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']') + 1)] : rest.Split(':', '/')[0];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
