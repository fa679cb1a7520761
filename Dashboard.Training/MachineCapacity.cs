namespace Dashboard.Training;

/// <summary>
/// What this machine can give one run, for <see cref="TrainingConfig.Validate(bool)"/>: its cores (more threads
/// than cores only slow TorchSharp down) and a memory budget for a batch's activations.
/// </summary>
/// <param name="Cores">Logical processors this process may use.</param>
/// <param name="MemoryBudgetBytes">Memory a training step's activations may take.</param>
public sealed record MachineCapacity(int Cores, long MemoryBudgetBytes)
{
    /// <summary>
    /// This process's: <see cref="Environment.ProcessorCount"/> (which honours CPU affinity and container limits),
    /// and half the memory the runtime may use (the machine's, or a container's limit): the other half is left to
    /// the data set, the weights, the dashboard and whatever else runs beside it.
    /// </summary>
    public static MachineCapacity Current { get; } = new(Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);
}
