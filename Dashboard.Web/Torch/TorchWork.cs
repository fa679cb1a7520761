using System.Threading.RateLimiting;
using Dashboard.Training.Runtime;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Torch;

/// <summary>
/// The one gate for torch work outside training: at most <see cref="TorchWorkOptions.MaxConcurrency"/> pieces
/// run at once, each on a thread that ends with it (<see cref="TorchThread"/>, decision 0013), and at most
/// <see cref="TorchWorkOptions.QueueLimit"/> wait; further requests are refused at once instead of piling up
/// threads, OpenMP pools and malloc arenas (decision 0016).
/// </summary>
public sealed class TorchWork : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly TorchWorkOptions _options;
    private int _running;

    public TorchWork(IOptions<TorchWorkOptions> options)
    {
        _options = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrency,
            QueueLimit = _options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Pieces of work running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Pieces of work waiting for a slot now.</summary>
    public long Queued => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>Runs <paramref name="work"/> on a thread of its own once a slot is free.</summary>
    /// <exception cref="TorchWorkRejectedException">All slots are taken and the queue is full.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for a slot (work that started runs to its end).</exception>
    public async Task<T> RunAsync<T>(Func<T> work, string name, CancellationToken cancellationToken = default)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
            throw new TorchWorkRejectedException(
                $"The dashboard is busy: {_options.MaxConcurrency} torch computation(s) are running and {_options.QueueLimit} are waiting. Try again in {_options.RetryAfterSeconds} s.",
                TimeSpan.FromSeconds(_options.RetryAfterSeconds));
        Interlocked.Increment(ref _running);
        try
        {
            return await TorchThread.RunAsync(work, name);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>
    /// Like <see cref="RunAsync{T}"/> but waits for a slot instead of being refused, for work nobody is
    /// waiting on over HTTP (an ensemble evaluated in the training queue).
    /// </summary>
    public async Task<T> RunWhenFreeAsync<T>(Func<T> work, string name, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                return await RunAsync(work, name, cancellationToken);
            }
            catch (TorchWorkRejectedException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Torch work was refused because the limit and its queue are full; the client should retry later.</summary>
public sealed class TorchWorkRejectedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>A 503 problem-details answer with a Retry-After header.</summary>
    public IResult ToResult() => new BusyResult(Message, RetryAfter);

    private sealed class BusyResult(string detail, TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy").ExecuteAsync(httpContext);
        }
    }
}
