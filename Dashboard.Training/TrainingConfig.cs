using Dashboard.Training.Models;

namespace Dashboard.Training;

/// <summary>Everything that defines a training run. Defaults are the lab report's control group.</summary>
public sealed record TrainingConfig
{
    /// <summary>Inclusive bounds, shared by validation and the UI.</summary>
    public static class Limits
    {
        /// <summary>Fewest epochs.</summary>
        public const int MinEpochs = 1;
        /// <summary>Most epochs.</summary>
        public const int MaxEpochs = 500;
        /// <summary>Smallest batch.</summary>
        public const int MinBatchSize = 1;
        /// <summary>Largest batch (the whole training set).</summary>
        public const int MaxBatchSize = 60_000;
        /// <summary>Largest learning rate (exclusive lower bound is 0).</summary>
        public const double MaxLearningRate = 10;
        /// <summary>Exclusive upper bound of the weight decay.</summary>
        public const double MaxWeightDecay = 1;
        /// <summary>Most threads.</summary>
        public const int MaxThreads = 256;
    }

    /// <summary>Model name from <see cref="ModelCatalog"/>.</summary>
    public string Model { get; init; } = nameof(SeedCnn);
    /// <summary>Passes over the training set (1–500).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Images per optimiser step (1–60000).</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Learning rate (&gt; 0, ≤ 10).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>L2 weight decay (≥ 0, &lt; 1).</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Optimiser; the report used Adam.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    /// <summary>Momentum for SGD (0 ≤ m &lt; 1); ignored by Adam and AdamW.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Seed of weight initialisation and batch order.</summary>
    public long Seed { get; init; } = 42;
    /// <summary>Where to train.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;
    /// <summary>CPU threads; 0 means one per core.</summary>
    public int Threads { get; init; }
    /// <summary>Train on the first N training images only (quick runs); null for all 60,000.</summary>
    public int? TrainSubset { get; init; }

    /// <summary>The lab report's control group (group 1): 10 epochs, batch 128, wd 1e-4, lr 1e-3.</summary>
    public static TrainingConfig ReportControl { get; } = new();

    /// <summary>The lab report's best configuration: 15 epochs, batch 64, wd 1e-4, lr 1e-3.</summary>
    public static TrainingConfig ReportBest { get; } = new() { Epochs = 15, BatchSize = 64 };

    /// <summary>
    /// One message per invalid field; empty when the config can run. Checks ranges only; whether the
    /// device exists is checked by <see cref="Validate(bool)"/>.
    /// </summary>
    public IReadOnlyList<ConfigError> Validate() => Validate(cudaAvailable: true);

    /// <summary>One message per invalid field, including a CUDA request on a machine without CUDA.</summary>
    public IReadOnlyList<ConfigError> Validate(bool cudaAvailable)
    {
        var errors = new List<ConfigError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok) errors.Add(new ConfigError(field, message));
        }

        Check(ModelCatalog.Contains(Model), nameof(Model),
            $"Unknown model '{Model}'. Choose one of: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))}.");
        Check(Epochs is >= Limits.MinEpochs and <= Limits.MaxEpochs, nameof(Epochs),
            $"Epochs must be between {Limits.MinEpochs} and {Limits.MaxEpochs} (got {Epochs}).");
        Check(BatchSize is >= Limits.MinBatchSize and <= Limits.MaxBatchSize, nameof(BatchSize),
            $"Batch size must be between {Limits.MinBatchSize} and {Limits.MaxBatchSize:N0} (got {BatchSize}).");
        Check(double.IsFinite(LearningRate) && LearningRate > 0 && LearningRate <= Limits.MaxLearningRate, nameof(LearningRate),
            $"Learning rate must be a number greater than 0 and at most {Limits.MaxLearningRate} (got {Show(LearningRate)}).");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0 && WeightDecay < Limits.MaxWeightDecay, nameof(WeightDecay),
            $"Weight decay must be a number at least 0 and below {Limits.MaxWeightDecay} (got {Show(WeightDecay)}).");
        Check(Enum.IsDefined(Optimizer), nameof(Optimizer), $"Unknown optimizer '{Optimizer}'. Choose Adam, AdamW or Sgd.");
        Check(double.IsFinite(Momentum) && Momentum >= 0 && Momentum < 1, nameof(Momentum),
            $"Momentum must be a number at least 0 and below 1 (got {Show(Momentum)}).");
        Check(Enum.IsDefined(Device), nameof(Device), $"Unknown device '{Device}'. Choose Auto, Cpu or Cuda.");
        Check(Device != DeviceChoice.Cuda || cudaAvailable, nameof(Device),
            "CUDA was requested but no CUDA device is available on this machine (TorchSharp CPU build or no GPU). Choose Auto or Cpu.");
        Check(Threads is >= 0 and <= Limits.MaxThreads, nameof(Threads),
            $"Threads must be between 0 (one per core) and {Limits.MaxThreads} (got {Threads}).");
        Check(TrainSubset is null or (>= 1 and <= Limits.MaxBatchSize), nameof(TrainSubset),
            $"Training subset must be between 1 and {Limits.MaxBatchSize:N0} images, or empty for the full set (got {TrainSubset}).");
        return errors;
    }

    private static string Show(double value) => double.IsNaN(value) ? "NaN" : value.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One invalid field and what is wrong with it.</summary>
/// <param name="Field">The property name, e.g. <c>LearningRate</c>.</param>
/// <param name="Message">A sentence for the user.</param>
public sealed record ConfigError(string Field, string Message);

/// <summary>Thrown when a run is started with an invalid config; nothing has run.</summary>
public sealed class InvalidConfigException(IReadOnlyList<ConfigError> errors)
    : Exception("Invalid training config: " + string.Join(" ", errors.Select(e => e.Message)))
{
    /// <summary>Every invalid field.</summary>
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}

/// <summary>Optimisers on offer.</summary>
public enum OptimizerKind
{
    /// <summary>Adam with L2 weight decay added to the gradient (PyTorch's Adam; the report's choice).</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
    /// <summary>Stochastic gradient descent with momentum.</summary>
    Sgd,
}

/// <summary>Where a run trains.</summary>
public enum DeviceChoice
{
    /// <summary>CUDA when available, else CPU.</summary>
    Auto,
    /// <summary>Always the CPU.</summary>
    Cpu,
    /// <summary>CUDA; refused where none is present.</summary>
    Cuda,
}
