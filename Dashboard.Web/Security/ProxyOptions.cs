using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Dashboard.Web.Security;

/// <summary>
/// The reverse proxies whose X-Forwarded-For, -Proto and -Host headers are believed. Section <c>Proxy</c>.
/// Empty (the default): the headers are ignored, so no client can claim another address or HTTPS.
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Proxy";

    /// <summary>Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/24</c>) of the proxies in front of the dashboard.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in TrustedProxies.Where(e => !IPAddress.TryParse(e, out _) && !System.Net.IPNetwork.TryParse(e, out _)))
            yield return new ValidationResult($"Proxy:TrustedProxies has “{entry}”, which is neither an IP address nor a network like 10.0.0.0/24.", [nameof(TrustedProxies)]);
    }
}
