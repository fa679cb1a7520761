namespace Dashboard.Training.Runtime;

/// <summary>
/// Runs libtorch work on a thread of its own that ends with the work.
/// </summary>
/// <remarks>
/// libtorch parallelises with OpenMP, and libgomp keeps a pool of worker threads for every thread that
/// starts a parallel region, for as long as that thread lives. A thread-pool thread lives on, so each one
/// that ever ran torch code keeps an idle pool; once libgomp manages more threads than there are CPUs it
/// stops spinning between parallel regions and puts its workers to sleep, and training loses the time it
/// takes to wake them again. Measured here: a data set loaded on a thread-pool thread made the next run's
/// two training threads busy 87 % and 74 % of the time instead of ~100 % (decision 0013). A thread that
/// ends takes its pool with it.
/// </remarks>
public static class TorchThread
{
    /// <summary>Runs <paramref name="work"/> on a new thread and completes with its result or exception.</summary>
    public static Task<T> RunAsync<T>(Func<T> work, string name = "torch work")
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> on a new thread and completes when it has.</summary>
    public static Task RunAsync(Action work, string name = "torch work") =>
        RunAsync(() => { work(); return true; }, name);
}
