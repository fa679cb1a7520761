using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>How often each user (or, for sign-in, each address) may do the costly things. Section <c>RateLimits</c>.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Sign-in attempts per address per minute: with lockout, this bounds password guessing across accounts.</summary>
    [Range(1, 10_000)]
    public int SignInsPerMinute { get; set; } = 10;

    /// <summary>Runs, studies and ensembles launched per user per minute.</summary>
    [Range(1, 10_000)]
    public int LaunchesPerMinute { get; set; } = 30;

    /// <summary>Predictions per user per minute (each runs a model on the shared Torch queue).</summary>
    [Range(1, 100_000)]
    public int PredictionsPerMinute { get; set; } = 600;
}

/// <summary>
/// ASP.NET Core's rate limiter on sign-in, launches and predictions. Partitioned by user name (by address
/// for sign-in, which has no user yet); a refused request is a 429 with problem details and Retry-After.
/// </summary>
public static class RateLimits
{
    public const string SignIn = "signin", Launch = "launch", Predict = "predict";

    public static IServiceCollection AddDashboardRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignIn, c => PerMinute(c, Address(c), l => l.SignInsPerMinute, postsOnly: true));
            o.AddPolicy(Launch, c => PerMinute(c, User(c), l => l.LaunchesPerMinute));
            o.AddPolicy(Predict, c => PerMinute(c, User(c), l => l.PredictionsPerMinute));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> PerMinute(HttpContext context, string key, Func<RateLimitOptions, int> limit, bool postsOnly = false)
    {
        // The sign-in page is a GET and a POST on one endpoint: only the POST is an attempt.
        if (postsOnly && !HttpMethods.IsPost(context.Request.Method)) return RateLimitPartition.GetNoLimiter("");
        var permits = limit(context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static string Address(HttpContext c) => c.Connection.RemoteIpAddress?.ToString() ?? "";

    private static string User(HttpContext c) => c.User.Identity?.Name ?? Address(c);

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await Results.Problem($"Too many requests of this kind; try again in {Math.Ceiling(retry.TotalSeconds):0} s.",
            statusCode: StatusCodes.Status429TooManyRequests, title: "Slow down").ExecuteAsync(http);
    }
}
