using Dashboard.Web.Storage;

namespace Dashboard.Tests.Support;

/// <summary>Waits that always end: every poll has a deadline and, when it gives up, says what it last saw.</summary>
public static class Poll
{
    /// <summary>Looks every <paramref name="every"/> (50 ms by default; longer where each look is costly) until the condition holds or the timeout passes.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string waitingFor, Func<string> seen, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting until {waitingFor}; {seen()}.");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>What a run is doing, for a wait's failure message.</summary>
    public static string Describe(RunStore store, Guid id) => store.Get(id) is { } run
        ? $"run {id} is {run.Status} ({run.StatusReason ?? "no reason given"}) with {run.Epochs.Count} finished epochs"
        : $"run {id} is not in the store";
}
