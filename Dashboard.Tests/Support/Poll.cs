using Dashboard.Web.Storage;

namespace Dashboard.Tests.Support;

/// <summary>Waits that always end: every poll has a deadline and, when it gives up, says what it last saw.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string waitingFor, Func<string> seen)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:F0} s waiting until {waitingFor}; {seen()}.");
            await Task.Delay(50);
        }
    }

    /// <summary>What a run is doing, for a wait's failure message.</summary>
    public static string Describe(RunStore store, Guid id) => store.Get(id) is { } run
        ? $"run {id} is {run.Status} ({run.StatusReason ?? "no reason given"}) with {run.Epochs.Count} finished epochs"
        : $"run {id} is not in the store";
}
