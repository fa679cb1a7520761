using Dashboard.Training.Runtime;
using static TorchSharp.torch;

namespace Dashboard.Tests.Training;

public class TorchThreadTests
{
    [Fact]
    public async Task RunsTheWorkOnAThreadOfItsOwnThatEndsWithIt()
    {
        TorchRuntime.Initialize();
        Thread? worker = null;
        var sum = await TorchThread.RunAsync(() =>
        {
            worker = Thread.CurrentThread;
            Assert.False(worker.IsThreadPoolThread);
            using var x = ones(1000, 1000);
            return x.sum().item<float>();
        }, "test work");
        Assert.Equal(1_000_000f, sum);
        Assert.NotNull(worker);
        Assert.Equal("test work", worker.Name);
        // The OpenMP pool goes with the thread, so the thread must really end.
        Assert.True(worker.Join(TimeSpan.FromSeconds(10)), "the worker thread is still alive");
    }

    [Fact]
    public async Task PassesTheWorksExceptionOn()
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TorchThread.RunAsync<int>(() => throw new InvalidDataException("bad weights")));
        Assert.Equal("bad weights", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => TorchThread.RunAsync(() => throw new ArgumentException("x")));
    }
}
