using System.Collections.Concurrent;

namespace Dashboard.Training.Runtime;

/// <summary>
/// One long-lived thread that runs queued pieces of libtorch work one after another; the dashboard trains
/// every run on it.
/// </summary>
/// <remarks>
/// glibc gives each thread that allocates a malloc arena and, with the top pad of decision 0003, each
/// arena keeps its peak resident. A new thread per run handed the previous run's arena (already grown to
/// a training peak) back to the free list, where any other thread could take it, and the next run grew
/// another one: resident memory rose with every run until glibc's arena limit (8 per core), ~3.8 GB
/// (decision 0016). One thread keeps one arena (and its OpenMP worker's) for all runs, so a process's
/// training memory is that of one run. Its libgomp pool lives as long as it does; it is the only pool
/// that trains, so that costs training nothing (decision 0013 is about idle pools of other threads).
/// </remarks>
public sealed class DedicatedTorchThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    /// <summary>Starts the thread (a background thread: it does not keep the process alive).</summary>
    public DedicatedTorchThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The managed id of the thread, for tests that check where work ran.</summary>
    public int ManagedThreadId => _thread.ManagedThreadId;

    /// <summary>Queues <paramref name="work"/>; completes with its result or exception once it has run.</summary>
    /// <exception cref="ObjectDisposedException">The thread was stopped.</exception>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _work.Add(() =>
            {
                try
                {
                    completion.SetResult(work());
                }
                catch (Exception e)
                {
                    completion.SetException(e);
                }
            });
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(DedicatedTorchThread), "The torch thread was stopped.");
        }
        return completion.Task;
    }

    private void Loop()
    {
        foreach (var work in _work.GetConsumingEnumerable()) work();
    }

    /// <summary>Lets queued work finish, then ends the thread (without waiting for it).</summary>
    public void Dispose() => _work.CompleteAdding();
}
