using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Dashboard.Bench.Harness;

/// <summary>The few API calls the harness makes, on an HttpClient pointed at one dashboard.</summary>
public static class DashboardApi
{
    /// <summary>A run as the API returns it, reduced to what the harness checks.</summary>
    public sealed record RunState(Guid Id, string Name, string Status, string? StatusReason, int ConfigEpochs, string Model, IReadOnlyList<int> Epochs, double? Accuracy, bool HasWeights);

    public static RunState Parse(JsonElement run) => new(
        run.GetProperty("id").GetGuid(),
        run.GetProperty("name").GetString() ?? "",
        run.GetProperty("status").GetString() ?? "",
        run.TryGetProperty("statusReason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null,
        run.GetProperty("config").GetProperty("epochs").GetInt32(),
        run.GetProperty("config").GetProperty("model").GetString() ?? "",
        run.TryGetProperty("epochs", out var epochs) && epochs.ValueKind == JsonValueKind.Array ? epochs.EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()).ToList() : [],
        run.TryGetProperty("accuracy", out var accuracy) && accuracy.ValueKind == JsonValueKind.Number ? accuracy.GetDouble() : null,
        run.TryGetProperty("hasWeights", out var weights) && weights.ValueKind == JsonValueKind.True);

    public static async Task<RunState?> GetRunAsync(HttpClient http, Guid id)
    {
        using var response = await http.GetAsync($"api/runs/{id}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static async Task<JsonElement> GetRunJsonAsync(HttpClient http, Guid id) =>
        await http.GetFromJsonAsync<JsonElement>($"api/runs/{id}");

    /// <summary>Ids and statuses of every run (up to 500, the API's page limit).</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Status)>> ListAsync(HttpClient http, string? status = null)
    {
        var page = await http.GetFromJsonAsync<JsonElement>($"api/runs?take=500{(status is null ? "" : "&status=" + status)}");
        return page.GetProperty("items").EnumerateArray()
            .Select(r => (r.GetProperty("id").GetGuid(), r.GetProperty("status").GetString() ?? "")).ToList();
    }

    /// <summary>The weights download: status code and bytes (empty unless 200).</summary>
    public static async Task<(int Status, byte[] Bytes, string Body)> GetWeightsAsync(HttpClient http, Guid id)
    {
        using var response = await http.GetAsync($"api/runs/{id}/weights");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var ok = response.IsSuccessStatusCode;
        return ((int)response.StatusCode, ok ? bytes : [], ok ? "" : System.Text.Encoding.UTF8.GetString(bytes));
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
