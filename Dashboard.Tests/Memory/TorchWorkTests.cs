using System.Diagnostics;
using Dashboard.Training.Runtime;
using Dashboard.Web.Torch;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace Dashboard.Tests.Memory;

/// <summary>The one bounded limit on torch work outside training.</summary>
public class TorchWorkTests
{
    private static TorchWork Create(int concurrency, int queue) =>
        new(Options.Create(new TorchWorkOptions { MaxConcurrency = concurrency, QueueLimit = queue, RetryAfterSeconds = 3 }));

    private static async Task WaitUntilAsync(Func<bool> condition, string what, TorchWork work)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException($"Waited 30 s for {what}; running {work.Running}, queued {work.Queued}.");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task WorkRunsOnAThreadOfItsOwnThatEndsWithIt()
    {
        TorchRuntime.Initialize();
        using var work = Create(2, 4);
        Thread? worker = null;
        bool? onPoolThread = null;
        var sum = await work.RunAsync(() =>
        {
            worker = Thread.CurrentThread;
            // Read here: a thread's state cannot be read once it has ended, which it may have by the assert.
            onPoolThread = worker.IsThreadPoolThread;
            using var x = ones(100, 100);
            return x.sum().item<float>();
        }, "test work").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(10_000f, sum);
        Assert.False(onPoolThread);
        Assert.True(worker!.Join(TimeSpan.FromSeconds(10)), "decision 0013: the thread must end with the work");
    }

    [Fact]
    public async Task NoMoreThanTheLimitRunAtOnceAndBeyondTheQueueWorkIsRefused()
    {
        using var work = Create(2, 1);
        using var gate = new ManualResetEventSlim();
        var concurrent = 0;
        var most = 0;
        int Blocked()
        {
            var now = Interlocked.Increment(ref concurrent);
            lock (gate) most = Math.Max(most, now);
            try
            {
                Assert.True(gate.Wait(TimeSpan.FromSeconds(30)), "the test never opened the gate");
                return now;
            }
            finally
            {
                Interlocked.Decrement(ref concurrent);
            }
        }

        var first = work.RunAsync(Blocked, "a");
        var second = work.RunAsync(Blocked, "b");
        await WaitUntilAsync(() => work.Running == 2, "two running", work);
        var third = work.RunAsync(Blocked, "c");
        await WaitUntilAsync(() => work.Queued == 1, "one queued", work);

        var refused = await Assert.ThrowsAsync<TorchWorkRejectedException>(() => work.RunAsync(Blocked, "d"));
        Assert.Contains("busy", refused.Message);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.RetryAfter);
        Assert.False(third.IsCompleted);

        gate.Set();
        await Task.WhenAll(first, second, third).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, most);
        Assert.Equal(0, work.Running);
    }

    [Fact]
    public async Task WorkThatMayWaitIsQueuedAgainInsteadOfRefused()
    {
        using var work = Create(1, 0);
        using var gate = new ManualResetEventSlim();
        var blocker = work.RunAsync(() => gate.Wait(TimeSpan.FromSeconds(30)), "blocker");
        await WaitUntilAsync(() => work.Running == 1, "the blocker running", work);

        await Assert.ThrowsAsync<TorchWorkRejectedException>(() => work.RunAsync(() => 1, "refused"));
        var patient = work.RunWhenFreeAsync(() => 2, "patient");
        await Task.Delay(300);
        Assert.False(patient.IsCompleted);

        gate.Set();
        Assert.True(await blocker.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, await patient.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task CancellingWhileQueuedGivesUpTheSlotInTheQueue()
    {
        using var work = Create(1, 1);
        using var gate = new ManualResetEventSlim();
        var blocker = work.RunAsync(() => gate.Wait(TimeSpan.FromSeconds(30)), "blocker");
        await WaitUntilAsync(() => work.Running == 1, "the blocker running", work);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var queued = work.RunAsync(() => ran = true, "cancelled", cancel.Token);
        await WaitUntilAsync(() => work.Queued == 1, "one queued", work);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, work.Queued);

        gate.Set();
        await blocker.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(ran);
    }
}
