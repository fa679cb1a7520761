using Dashboard.Training.Models;
using Dashboard.Training.Schedules;

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
        /// <summary>Most threads anywhere; a run is also refused more threads than its machine has cores (<see cref="MachineCapacity"/>).</summary>
        public const int MaxThreads = 256;
        /// <summary>Most padding of the random crop, in pixels.</summary>
        public const int MaxCropPadding = 8;
        /// <summary>Largest share of the training set held out for validation.</summary>
        public const double MaxValidationFraction = 0.5;
    }

    /// <summary>Model name from <see cref="ModelCatalog"/>.</summary>
    public string Model { get; init; } = nameof(SeedCnn);
    /// <summary>Passes over the training set (1–500).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Images per optimiser step (1–60000, and what the model's activations fit in memory: <see cref="ModelInfo.MaxBatchSize"/>).</summary>
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
    /// <summary>CPU threads; 0 means one per core; at most the core count.</summary>
    public int Threads { get; init; }
    /// <summary>Train on the first N training images only (quick runs); null for all 60,000.</summary>
    public int? TrainSubset { get; init; }

    /// <summary>Random crop: pad by this many background pixels, then crop 28×28 at a random offset (0 = off, up to 8).</summary>
    public int CropPadding { get; init; }
    /// <summary>Mirror each training image left to right with probability 0.5.</summary>
    public bool HorizontalFlip { get; init; }
    /// <summary>Random erasing: chance of blanking a random rectangle of each training image (0 = off, up to 1).</summary>
    public double ErasingProbability { get; init; }
    /// <summary>Smallest erased area as a fraction of the image (&gt; 0, ≤ <see cref="ErasingMaxArea"/>).</summary>
    public double ErasingMinArea { get; init; } = 0.02;
    /// <summary>Largest erased area as a fraction of the image (≤ 1).</summary>
    public double ErasingMaxArea { get; init; } = 0.33;

    /// <summary>Learning-rate schedule; constant as in the report.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;
    /// <summary>Step schedule: epochs between decays (1–500).</summary>
    public int StepSize { get; init; } = 5;
    /// <summary>Step schedule: factor of each decay (&gt; 0, ≤ 1).</summary>
    public double StepGamma { get; init; } = 0.1;
    /// <summary>Cosine schedule: the rate reached at the end of the run (≥ 0, below the learning rate).</summary>
    public double MinLearningRate { get; init; }
    /// <summary>One-cycle schedule: share of the steps spent warming up to the peak, which is <see cref="LearningRate"/> (&gt; 0, &lt; 1).</summary>
    public double WarmupFraction { get; init; } = 0.3;

    /// <summary>Share of the (subset of the) training set held out for validation, by a split seeded with <see cref="Seed"/> (0 = off, up to 0.5).</summary>
    public double ValidationFraction { get; init; }
    /// <summary>
    /// Stop when the validation loss has not improved for this many epochs, and keep the weights of the
    /// best epoch (0 = off; needs a validation split).
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>The lab report's control group (group 1): 10 epochs, batch 128, wd 1e-4, lr 1e-3.</summary>
    public static TrainingConfig ReportControl { get; } = new();

    /// <summary>The lab report's best configuration: 15 epochs, batch 64, wd 1e-4, lr 1e-3.</summary>
    public static TrainingConfig ReportBest { get; } = new() { Epochs = 15, BatchSize = 64 };

    /// <summary>
    /// One message per invalid field; empty when the config can run on this machine (its cores and memory,
    /// <see cref="MachineCapacity.Current"/>). Whether the device exists is checked by <see cref="Validate(bool)"/>.
    /// </summary>
    public IReadOnlyList<ConfigError> Validate() => Validate(cudaAvailable: true);

    /// <summary>One message per invalid field, including a CUDA request on a machine without CUDA, on this machine.</summary>
    public IReadOnlyList<ConfigError> Validate(bool cudaAvailable) => Validate(cudaAvailable, MachineCapacity.Current);

    /// <summary>One message per invalid field, for a run on a machine of <paramref name="machine"/>'s capacity.</summary>
    public IReadOnlyList<ConfigError> Validate(bool cudaAvailable, MachineCapacity machine)
    {
        var errors = new List<ConfigError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok) errors.Add(new ConfigError(field, message));
        }

        var model = ModelCatalog.Find(Model);
        Check(model is not null, nameof(Model),
            $"Unknown model '{Shorten(Model)}'. Choose one of: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))}.");
        Check(Epochs is >= Limits.MinEpochs and <= Limits.MaxEpochs, nameof(Epochs),
            $"Epochs must be between {Limits.MinEpochs} and {Limits.MaxEpochs} (got {Epochs}).");
        Check(BatchSize is >= Limits.MinBatchSize and <= Limits.MaxBatchSize, nameof(BatchSize),
            $"Batch size must be between {Limits.MinBatchSize} and {Limits.MaxBatchSize:N0} (got {BatchSize}).");
        if (model is not null && BatchSize is >= Limits.MinBatchSize and <= Limits.MaxBatchSize) CheckBatchFits(model, machine, errors);
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
        Check(Threads is >= 0 and <= Limits.MaxThreads && Threads <= machine.Cores, nameof(Threads),
            $"Threads must be between 0 (one per core) and this machine's {machine.Cores} cores (got {Threads}): more threads than cores only slow training down.");
        Check(TrainSubset is null or (>= 1 and <= Limits.MaxBatchSize), nameof(TrainSubset),
            $"Training subset must be between 1 and {Limits.MaxBatchSize:N0} images, or empty for the full set (got {TrainSubset}).");
        Check(CropPadding is >= 0 and <= Limits.MaxCropPadding, nameof(CropPadding),
            $"Crop padding must be between 0 (off) and {Limits.MaxCropPadding} pixels (got {CropPadding}).");
        Check(double.IsFinite(ErasingProbability) && ErasingProbability is >= 0 and <= 1, nameof(ErasingProbability),
            $"Erasing probability must be between 0 (off) and 1 (got {Show(ErasingProbability)}).");
        Check(double.IsFinite(ErasingMinArea) && ErasingMinArea is > 0 and <= 1, nameof(ErasingMinArea),
            $"Smallest erased area must be a fraction above 0 and at most 1 (got {Show(ErasingMinArea)}).");
        Check(double.IsFinite(ErasingMaxArea) && ErasingMaxArea is > 0 and <= 1 && !(ErasingMaxArea < ErasingMinArea), nameof(ErasingMaxArea),
            $"Largest erased area must be a fraction at most 1 and at least the smallest ({Show(ErasingMinArea)}) (got {Show(ErasingMaxArea)}).");
        Check(Enum.IsDefined(Schedule), nameof(Schedule), $"Unknown schedule '{Schedule}'. Choose Constant, Step, Cosine or OneCycle.");
        Check(StepSize is >= 1 and <= Limits.MaxEpochs, nameof(StepSize),
            $"Step size must be between 1 and {Limits.MaxEpochs} epochs (got {StepSize}).");
        Check(double.IsFinite(StepGamma) && StepGamma is > 0 and <= 1, nameof(StepGamma),
            $"Step factor (gamma) must be a number above 0 and at most 1 (got {Show(StepGamma)}).");
        Check(double.IsFinite(MinLearningRate) && MinLearningRate >= 0 && MinLearningRate <= Limits.MaxLearningRate
                && !(Schedule == ScheduleKind.Cosine && MinLearningRate >= LearningRate), nameof(MinLearningRate),
            $"Minimum learning rate must be between 0 and {Limits.MaxLearningRate} and, for the cosine schedule, below the learning rate {Show(LearningRate)} (got {Show(MinLearningRate)}).");
        Check(double.IsFinite(WarmupFraction) && WarmupFraction is > 0 and < 1, nameof(WarmupFraction),
            $"Warm-up fraction must be above 0 and below 1 (got {Show(WarmupFraction)}).");
        Check(double.IsFinite(ValidationFraction) && ValidationFraction is >= 0 and <= Limits.MaxValidationFraction
                && !(ValidationFraction > 0 && TrainSubset is 1), nameof(ValidationFraction),
            $"Validation fraction must be between 0 (off) and {Limits.MaxValidationFraction}, and leave at least one image on each side (got {Show(ValidationFraction)}).");
        Check(EarlyStoppingPatience is >= 0 and <= Limits.MaxEpochs && (EarlyStoppingPatience == 0 || ValidationFraction > 0), nameof(EarlyStoppingPatience),
            EarlyStoppingPatience is >= 0 and <= Limits.MaxEpochs
                ? "Early stopping watches the validation loss: set a validation fraction above 0, or patience 0 to turn it off."
                : $"Early-stopping patience must be between 0 (off) and {Limits.MaxEpochs} epochs (got {EarlyStoppingPatience}).");
        return errors;
    }

    /// <summary>
    /// Refuses a batch whose activations would not fit in the machine's memory budget: the model's catalog entry
    /// owns the estimate. Only the images a step really takes count (a training subset smaller than the batch is one step).
    /// </summary>
    private void CheckBatchFits(ModelInfo model, MachineCapacity machine, List<ConfigError> errors)
    {
        var cap = model.MaxBatchSize(machine.MemoryBudgetBytes);
        var images = Math.Min(BatchSize, TrainSubset ?? Limits.MaxBatchSize);
        if (images <= cap) return;
        var gib = 1024.0 * 1024 * 1024;
        errors.Add(new ConfigError(nameof(BatchSize), FormattableString.Invariant(
            $"Batch size {BatchSize:N0} is too large for {model.Name}: its activations take about {model.TrainingBytesPerImage / 1024.0 / 1024:F2} MiB per image in a training step, so {images:N0} images need {images * (double)model.TrainingBytesPerImage / gib:F1} GiB, more than this machine's budget of {machine.MemoryBudgetBytes / gib:F1} GiB (half its memory). The largest batch for {model.Name} here is {cap:N0}.")));
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 40 ? text : text[..40] + "…";

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
