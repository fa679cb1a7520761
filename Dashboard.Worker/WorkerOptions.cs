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

    /// <summary>How many jobs this worker runs at once (Hangfire's worker count).</summary>
    [Range(1, 64, ErrorMessage = "Worker:Slots must be between 1 and 64.")]
    public int Slots { get; set; } = 1;

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
        if (HeartbeatInterval * 2 > ServerTimeout)
            yield return new ValidationResult($"Worker:ServerTimeout ({ServerTimeout}) must be at least twice Worker:HeartbeatInterval ({HeartbeatInterval}), or live workers are taken for dead.", [nameof(ServerTimeout)]);
    }

    [GeneratedRegex("^[a-z0-9_-]+$")]
    private static partial Regex QueueName();
}
