using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Dashboard.Worker;

/// <summary>What one worker process serves: the <c>Worker</c> section.</summary>
public sealed partial class WorkerOptions : IValidatableObject
{
    public const string Section = "Worker";
    public const string DefaultQueue = "cpu";

    /// <summary>Shown on the Workers page and in the runs it trains; the machine's name when not set.</summary>
    public string? Name { get; set; }

    /// <summary>The dashboard this worker reports to, e.g. <c>https://dashboard.lab/</c>.</summary>
    [Required(ErrorMessage = "Worker:DashboardUrl is required: the address of the dashboard this worker reports to.")]
    public Uri? DashboardUrl { get; set; }

    /// <summary>An admin's API token from the dashboard's Tokens page; empty only for a dashboard in Local mode on this machine.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Torch threads of each run. TorchSharp's thread count is process-wide, so every slot trains with the same.
    /// One by default: on the quick study, 2 slots × 1 thread trained 1.07× (1.00–1.08×) the runs per hour of 1 slot × 2 threads
    /// on a 2-core machine (docs/benchmarks.md, "Training workers"); small runs do not keep two threads busy.
    /// </summary>
    [Range(1, 256, ErrorMessage = "Worker:ThreadsPerSlot must be between 1 and 256.")]
    public int ThreadsPerSlot { get; set; } = 1;

    /// <summary>How long a run's reports are retried while the dashboard cannot be reached (it restarts, the network is cut).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan DeliverFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How the dashboard tells this process from others: its name and process id (two workers may share a machine and a name).</summary>
    public string Identity => $"{DisplayName}:{Environment.ProcessId}";

    /// <summary>How many jobs this worker runs at once (Hangfire's worker count); one per core by default (see <see cref="ThreadsPerSlot"/>).</summary>
    [Range(1, 64, ErrorMessage = "Worker:Slots must be between 1 and 64.")]
    public int Slots { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 64);

    /// <summary>Queues to take jobs from, by device class (<c>cpu</c>, <c>cuda</c>); <c>cpu</c> when none is given.</summary>
    public string[] Queues { get; set; } = [];

    /// <summary>How often the worker tells the others it is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A worker silent for this long is taken off the list of servers by the others.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ServerTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public string DisplayName => string.IsNullOrWhiteSpace(Name) ? Environment.MachineName : Name;

    public string[] QueuesToServe => Queues.Length == 0 ? [DefaultQueue] : Queues;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Hangfire's own rule for queue names; checked here so that a typo stops the worker with the setting's name.
        foreach (var queue in Queues.Where(q => !QueueName().IsMatch(q)))
            yield return new ValidationResult($"Worker:Queues has \"{queue}\": a queue name is lower-case letters, digits, '_' and '-' only.", [nameof(Queues)]);
        if (DashboardUrl is { IsAbsoluteUri: false } || DashboardUrl is { Scheme: not ("http" or "https") })
            yield return new ValidationResult($"Worker:DashboardUrl \"{DashboardUrl}\" must be an absolute http or https address.", [nameof(DashboardUrl)]);
        if (HeartbeatInterval * 2 > ServerTimeout)
            yield return new ValidationResult($"Worker:ServerTimeout ({ServerTimeout}) must be at least twice Worker:HeartbeatInterval ({HeartbeatInterval}), or live workers are taken for dead.", [nameof(ServerTimeout)]);
    }

    [GeneratedRegex("^[a-z0-9_-]+$")]
    private static partial Regex QueueName();
}
