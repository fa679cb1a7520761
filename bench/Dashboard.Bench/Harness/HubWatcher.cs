using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Bench.Harness;

/// <summary>One event from /hubs/training, stamped with the moment this client received it.</summary>
public sealed record HubEvent(string Kind, Guid RunId, int? Epoch, int? Batch, int? BatchesPerEpoch, string? Status, DateTime ReceivedUtc)
{
    public override string ToString() => Kind switch
    {
        "BatchProgress" => $"BatchProgress e{Epoch} b{Batch}/{BatchesPerEpoch}",
        "EpochCompleted" => $"EpochCompleted e{Epoch}",
        "RunFinished" => $"RunFinished {Status}",
        _ => Kind,
    };
}

/// <summary>A SignalR client of the dashboard's training hub that records every run event it receives.</summary>
public sealed class HubWatcher : IAsyncDisposable
{
    private static readonly string[] Kinds = ["RunQueued", "RunStarted", "BatchProgress", "EpochCompleted", "RunFinished", "RunDeleted"];
    private readonly HubConnection _connection;
    private readonly Lock _lock = new();
    private readonly List<HubEvent> _events = [];
    private readonly Channel<HubEvent> _live = Channel.CreateUnbounded<HubEvent>();

    private HubWatcher(HubConnection connection)
    {
        _connection = connection;
        foreach (var kind in Kinds)
            _connection.On<JsonElement>(kind, payload => Record(kind, payload));
    }

    public static async Task<HubWatcher> ConnectAsync(Uri baseAddress, CancellationToken cancellationToken = default)
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "hubs/training")).Build();
        var watcher = new HubWatcher(connection);
        await connection.StartAsync(cancellationToken);
        return watcher;
    }

    /// <summary>Events as they arrive, for a reader that waits on them (one reader).</summary>
    public ChannelReader<HubEvent> Live => _live.Reader;

    public IReadOnlyList<HubEvent> Events
    {
        get { lock (_lock) return _events.ToList(); }
    }

    private void Record(string kind, JsonElement payload)
    {
        var now = DateTime.UtcNow;
        var runId = payload.TryGetProperty("runId", out var id) ? id.GetGuid() : Guid.Empty;
        int? epoch = null, batch = null, batches = null;
        string? status = null;
        if (payload.TryGetProperty("progress", out var progress))
            (epoch, batch, batches) = (progress.GetProperty("epoch").GetInt32(), progress.GetProperty("batch").GetInt32(), progress.GetProperty("batchesPerEpoch").GetInt32());
        if (payload.TryGetProperty("metrics", out var metrics)) epoch = metrics.GetProperty("epoch").GetInt32();
        if (payload.TryGetProperty("status", out var s)) status = s.ToString();
        var e = new HubEvent(kind, runId, epoch, batch, batches, status, now);
        lock (_lock) _events.Add(e);
        _live.Writer.TryWrite(e);
    }

    public async ValueTask DisposeAsync()
    {
        _live.Writer.TryComplete();
        try
        {
            await _connection.DisposeAsync();
        }
        catch (Exception)
        {
            // The server may be gone (killed): nothing to close.
        }
    }
}
