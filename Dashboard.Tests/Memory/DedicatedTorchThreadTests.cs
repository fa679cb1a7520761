using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Memory;

/// <summary>The long-lived thread every run trains on (decision 0016).</summary>
public class DedicatedTorchThreadTests
{
    [Fact]
    public async Task RunsEveryPieceOfWorkOnTheSameThreadInOrder()
    {
        TorchRuntime.Initialize();
        using var thread = new DedicatedTorchThread("test training");
        var order = new List<int>();
        var workers = new List<Thread>();
        var tasks = Enumerable.Range(0, 5).Select(i => thread.RunAsync(() =>
        {
            lock (order)
            {
                order.Add(i);
                workers.Add(Thread.CurrentThread);
            }
            using var x = ones(200, 200);
            return x.sum().item<float>();
        })).ToList();

        var sums = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.All(sums, s => Assert.Equal(40_000f, s));
        Assert.Equal([0, 1, 2, 3, 4], order);
        var worker = Assert.Single(workers.Distinct());
        Assert.Equal(thread.ManagedThreadId, worker.ManagedThreadId);
        Assert.NotEqual(Environment.CurrentManagedThreadId, worker.ManagedThreadId);
        Assert.False(worker.IsThreadPoolThread);
        Assert.Equal("test training", worker.Name);
        Assert.True(worker.IsAlive, "the thread must live on between pieces of work");
    }

    [Fact]
    public async Task PassesTheWorksExceptionOnAndGoesOn()
    {
        using var thread = new DedicatedTorchThread("test training");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => thread.RunAsync<int>(() => throw new InvalidDataException("bad checkpoint")));
        Assert.Equal("bad checkpoint", e.Message);
        Assert.Equal(7, await thread.RunAsync(() => 7).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task RefusesWorkOnceDisposedAndTheThreadEnds()
    {
        var thread = new DedicatedTorchThread("test training");
        var worker = await thread.RunAsync(() => Thread.CurrentThread).WaitAsync(TimeSpan.FromSeconds(30));
        thread.Dispose();

        Assert.Throws<ObjectDisposedException>(() => { _ = thread.RunAsync(() => 1); });
        Assert.True(worker.Join(TimeSpan.FromSeconds(10)), "the thread is still alive after Dispose");
    }
}

public class TrimNativeHeapTests
{
    [Fact]
    public void TrimsOnGlibc()
    {
        // Debian's glibc has malloc_trim; if this fails the P/Invoke name or library is wrong.
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux with glibc");
        Assert.True(Dashboard.Training.Runtime.TorchRuntime.TrimNativeHeap());
    }
}
