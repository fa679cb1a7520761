using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Training.Execution;
using Dashboard.Web.Api;
using Dashboard.Web.Hubs;
using Dashboard.Web.Storage;
using Dashboard.Web.Studies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;

// Shared by `Dashboard.Bench bad-input` and Dashboard.Tests (linked), so CI runs a subset of the same requests.
namespace Dashboard.Bench;

/// <summary>One malformed request: which endpoint it aims at, what is wrong with it, and the request itself.</summary>
internal sealed record BadCase(string Endpoint, string Kind, string Method, string Path, string? Body = null, string? ContentType = "application/json");

/// <summary>How the dashboard answered a <see cref="BadCase"/>, and what is wrong with the answer, if anything.</summary>
internal sealed record BadOutcome(BadCase Case, int Status, string? MediaType, string? Detail, double Milliseconds)
{
    /// <summary>Null when the answer is a 4xx with problem details.</summary>
    public string? Violation => Status switch
    {
        0 => "no answer",
        >= 500 => $"server error {Status}",
        < 400 => $"accepted ({Status})",
        _ when MediaType != "application/problem+json" => $"{Status} without problem details ({MediaType ?? "no content type"})",
        _ => null,
    };
}

/// <summary>Existing things the malformed requests point at (completed runs with weights).</summary>
internal sealed record BadInputTargets(Guid Run, Guid OtherRun);

/// <summary>
/// Builds malformed requests for every /api endpoint found in the app's <see cref="EndpointDataSource"/>: bad route
/// values, bad query values, wrong methods, and for JSON bodies wrong content types, non-JSON, truncation, unknown and
/// missing fields, wrong types, NaN and infinities, huge numbers and strings, unknown ids and an oversized body.
/// A JSON body type with no sample below fails the build of the catalog, so a new endpoint cannot be forgotten.
/// </summary>
internal static class BadInputCatalog
{
    private const string Unknown = "zzUnknownField";

    /// <summary>The kind of the case that once kept a core busy for 112 s (150,000 batch sizes, 0.9 MB).</summary>
    public const string MegabyteList = "1 MB list of batch sizes";

    public static List<BadCase> Build(IEnumerable<Endpoint> endpoints, BadInputTargets t)
    {
        var routes = endpoints.OfType<RouteEndpoint>().Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true).ToList();
        var cases = new List<BadCase>();
        foreach (var endpoint in routes)
        {
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var name = $"{method} {endpoint.RoutePattern.RawText}";
                var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
                var body = accepts?.RequestType is { } type ? Sample(type, t) : null;
                cases.AddRange(RouteCases(endpoint, name, method, body, t));
                cases.AddRange(QueryCases(endpoint, name, method, t));
                if (body is not null && accepts!.ContentTypes.Contains(Multipart.ContentType))
                    cases.AddRange(Multipart.Cases(name, method, Path(endpoint, t), body, BodyCases(name, method, Path(endpoint, t), body, Required(endpoint))));
                else if (body is not null) cases.AddRange(BodyCases(name, method, Path(endpoint, t), body, Required(endpoint)));
                cases.AddRange(StateCases(name, method, endpoint.RoutePattern.RawText!, t));
            }
        }
        foreach (var pattern in routes.Select(e => e.RoutePattern.RawText!).Distinct())
            cases.Add(new BadCase($"* {pattern}", "method not offered", "PATCH", Path(pattern, t, t.Run), "{}"));
        return cases;
    }

    /// <summary>A valid body of each JSON request type; it is only ever sent with something made wrong.</summary>
    private static JsonObject Sample(Type type, BadInputTargets t) => type.Name switch
    {
        nameof(CreateRunRequest) => Json($$"""{ "name": "bad-input", "config": { "model": "SeedCnn", "epochs": 1, "batchSize": 64, "learningRate": 0.001, "trainSubset": 500, "threads": 1, "optimizer": "Adam", "horizontalFlip": false } }"""),
        nameof(TagsBody) => Json("""{ "tags": ["alpha"] }"""),
        nameof(NoteBody) => Json("""{ "note": "hello" }"""),
        // A halving study over a random sample: every field of the design is in use, so every one made wrong is refused.
        nameof(StudyDesign) => Json("""{ "name": "s", "mode": "Halving", "control": { "epochs": 3, "batchSize": 64, "trainSubset": 200, "threads": 1 }, "alternatives": {}, "quick": { "trainSubset": 200 }, "search": { "learningRate": { "min": 0.0005, "max": 0.005 }, "weightDecay": { "min": 0.00001, "max": 0.001 }, "includeZeroWeightDecay": true, "batchSizes": [32, 64], "models": ["SeedCnn"], "augmentation": [false, true], "schedules": ["Constant", "Cosine"], "budget": 4, "seed": 7 }, "halving": { "trials": "Random", "minEpochs": 1, "maxEpochs": 3, "reduction": 3 } }"""),
        nameof(CreateEnsembleRequest) => Json($$"""{ "runIds": ["{{t.Run}}", "{{t.OtherRun}}"], "name": "ens" }"""),
        nameof(PredictRequest) => Json($$"""{ "runIds": ["{{t.Run}}"], "pixels": [{{string.Join(",", new int[784])}}] }"""),
        nameof(CreateTokenRequest) => Json("""{ "name": "bad-input", "role": "Viewer", "expiresInDays": 1 }"""),
        nameof(PinBaselineRequest) => Json($$"""{ "runId": "{{t.Run}}" }"""),
        // The workers' reports: the lease is never the run's (no worker claimed it), so even a well-formed one changes nothing.
        nameof(WorkerHeartbeat) => Json("""{ "workerId": "w:1", "machine": "m", "device": "cpu", "slots": 1, "threadsPerSlot": 1, "queues": ["cpu"], "runs": [] }"""),
        nameof(ClaimRequest) => Json("""{ "workerId": "w:1" }"""),
        nameof(StartedReport) => Json($$"""{ "lease": "{{Guid.Empty}}", "resumedAfterEpoch": 1, "history": [] }"""),
        nameof(BatchReport) => Json($$"""{ "lease": "{{Guid.Empty}}", "progress": { "epoch": 1, "batch": 1, "batchesPerEpoch": 2, "loss": 1.0, "imagesPerSecond": 10.0, "eta": "00:00:01" } }"""),
        // Multipart: this is the report part; Multipart.PartsOf adds the binary parts it declares (Multipart.Digest).
        nameof(EpochReport) => Json($$"""{ "lease": "{{Guid.Empty}}", "metrics": { "epoch": 1, "trainLoss": 1.0, "testLoss": 1.0, "testAccuracy": 0.5, "seconds": 1.0, "imagesPerSecond": 10.0 }, "checkpoint": {{Multipart.Digest}} }"""),
        nameof(EndedReport) => Json($$"""
            { "lease": "{{Guid.Empty}}", "end": "Completed", "reason": "bad input", "result": { "trainingSeconds": 1.0,
              "environment": { "torchSharpVersion": "0", "libTorchVersion": "0", "device": "cpu", "threads": 1, "operatingSystem": "linux", "cpuModel": "cpu", "processorCount": 1, "dotNetVersion": "10" },
              "finalEpoch": { "epoch": 1, "trainLoss": 1.0, "testLoss": 1.0, "testAccuracy": 0.5, "seconds": 1.0, "imagesPerSecond": 10.0 },
              "weights": {{Multipart.Digest}}, "evaluation": {{Multipart.Digest}} } }
            """),
        _ => throw new InvalidOperationException($"No bad-input sample for the JSON body {type.Name}: add one to {nameof(BadInputCatalog)}.{nameof(Sample)}."),
    };

    /// <summary>Fields whose absence makes the request invalid (others have defaults: leaving them out is a valid request).</summary>
    private static string[] Required(RouteEndpoint e) => e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType?.Name switch
    {
        nameof(StudyDesign) => ["search", "halving"],
        nameof(CreateEnsembleRequest) => ["runIds"],
        nameof(PredictRequest) => ["runIds", "pixels"],
        nameof(CreateTokenRequest) => ["name"],
        nameof(PinBaselineRequest) => ["runId"],
        nameof(WorkerHeartbeat) => ["workerId", "machine", "device", "queues", "runs"],
        nameof(ClaimRequest) => ["workerId"],
        nameof(StartedReport) => ["history"],
        nameof(BatchReport) => ["progress"],
        nameof(EpochReport) => ["metrics", "checkpoint"],
        nameof(EndedReport) => ["end"],
        _ => [],
    };

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static string Path(RouteEndpoint e, BadInputTargets t) => Path(e.RoutePattern.RawText!, t, t.Run);

    // Route values filled with existing things, except DELETE, which only ever names an unknown run.
    private static string Path(string pattern, BadInputTargets t, Guid id, string? index = "0")
    {
        var path = pattern.Replace("{id:guid}", id.ToString()).Replace("{index:int}", index);
        return path.TrimStart('/');
    }

    private static IEnumerable<BadCase> RouteCases(RouteEndpoint e, string name, string method, JsonObject? body, BadInputTargets t)
    {
        var pattern = e.RoutePattern.RawText!;
        var json = body?.ToJsonString();
        if (pattern.Contains("{id:guid}"))
        {
            yield return new BadCase(name, "unknown id", method, Path(pattern, t, Guid.NewGuid()), json);
            yield return new BadCase(name, "malformed id", method, pattern.Replace("{id:guid}", "not-a-guid").TrimStart('/'), json);
            yield return new BadCase(name, "huge id", method, pattern.Replace("{id:guid}", new string('9', 2000)).TrimStart('/'), json);
        }
        if (pattern.Contains("{index:int}"))
        {
            foreach (var index in new[] { "-1", "99999999", "99999999999", "abc", "1e3" })
                yield return new BadCase(name, $"index {index}", method, pattern.Replace("{index:int}", index).TrimStart('/'), json);
        }
    }

    // Free-text filters: any value is a valid query that matches nothing.
    private static readonly HashSet<string> FreeText = ["name", "createdBy", "model"];

    private static IEnumerable<BadCase> QueryCases(RouteEndpoint e, string name, string method, BadInputTargets t)
    {
        var handler = e.Metadata.OfType<MethodInfo>().FirstOrDefault();
        if (handler is null || method is not ("GET" or "DELETE")) yield break;
        var routeNames = e.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var baseline = handler.GetParameters().Any(p => p.Name == "ids") ? $"ids={t.Run},{t.OtherRun}&" : "";
        var path = method == "DELETE" ? Path(e.RoutePattern.RawText!, t, Guid.NewGuid()) : Path(e, t);
        foreach (var p in handler.GetParameters())
        {
            if (p.Name is null || routeNames.Contains(p.Name) || FreeText.Contains(p.Name)) continue;
            var type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            string[] values = type == typeof(int) ? ["abc", "-1", "99999999999", "1e3", "0x10"]
                : type == typeof(bool) ? ["maybe", "2"]
                : type == typeof(string) ? ["zz-not-a-choice", new string('x', 3000)]
                : [];
            foreach (var value in values)
            {
                var query = p.Name == "ids" ? $"ids={Uri.EscapeDataString(value)}" : baseline + $"{p.Name}={Uri.EscapeDataString(value)}";
                yield return new BadCase(name, $"query {p.Name}={Shorten(value)}", method, $"{path}?{query}", null, null);
            }
        }
    }

    // Requests that are well formed but not allowed for the run's state: the completed run cannot be cancelled or resumed.
    private static IEnumerable<BadCase> StateCases(string name, string method, string pattern, BadInputTargets t)
    {
        if (method == "POST" && pattern is "/api/runs/{id:guid}/cancel" or "/api/runs/{id:guid}/resume")
            yield return new BadCase(name, "completed run", method, Path(pattern, t, t.Run), null, null);
        if (method == "GET" && pattern == "/api/compare/")
            yield return new BadCase(name, "one run only", method, $"api/compare/?ids={t.Run}", null, null);
    }

    private static IEnumerable<BadCase> BodyCases(string name, string method, string path, JsonObject sample, string[] required)
    {
        var text = sample.ToJsonString();
        BadCase Case(string kind, string? body, string? contentType = "application/json") => new(name, kind, method, path, body, contentType);

        foreach (var contentType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x" })
            yield return Case($"content type {contentType.Split(';')[0]}", text, contentType);
        yield return Case("no content type", text, null);
        foreach (var (kind, body) in new[] { ("empty body", ""), ("JSON null", "null"), ("JSON array", "[]"), ("JSON number", "42"), ("JSON string", "\"text\""), ("not JSON", "hello") })
            yield return Case(kind, body);
        yield return Case("truncated at half", text[..(text.Length / 2)]);
        yield return Case("truncated last brace", text[..^1]);
        yield return Case("trailing garbage", text + "}");
        yield return Case("deep nesting", new string('[', 200) + new string(']', 200));
        yield return Case("unknown top-level field", With(sample, s => s[Unknown] = 1));
        yield return Case("over the body cap", With(sample, s => s["zzPad"] = new string(' ', StrictInput.MaxBodyBytes + 10)));
        foreach (var field in required)
            yield return Case($"missing {field}", With(sample, s => s.Remove(field)));

        foreach (var (leafPath, leaf) in Leaves(sample))
        {
            foreach (var (kind, value) in Mutations(leaf))
                yield return Case($"{leafPath}: {kind}", Replace(sample, leafPath, value));
            if (leaf is JsonObject)
                yield return Case($"{leafPath}: unknown field", Replace(sample, leafPath, WithNode(leaf.AsObject(), o => o[Unknown] = true)));
        }

        if (sample["runIds"] is JsonArray)
            yield return Case("unknown run ids", With(sample, s => s["runIds"] = new JsonArray(Guid.NewGuid().ToString(), Guid.NewGuid().ToString())));
        if (sample["alternatives"] is JsonObject)
            yield return Case(MegabyteList, With(sample, s => s["alternatives"] = JsonNode.Parse(
                $"{{\"batchSizes\": [{string.Join(",", Enumerable.Range(0, 170_000).Select(i => 10_000 + i % 50_000))}]}}")));
        if (sample["config"] is JsonObject config)
            yield return Case("config fields at the top level", config.ToJsonString());
    }

    /// <summary>Every value of the sample, by path; an array contributes itself and its first element.</summary>
    private static IEnumerable<(string Path, JsonNode Node)> Leaves(JsonNode node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                if (path != "") yield return (path, o);
                foreach (var (key, child) in o.ToList())
                    foreach (var leaf in Leaves(child!, path == "" ? key : $"{path}.{key}")) yield return leaf;
                break;
            case JsonArray a:
                yield return (path, a);
                if (a.Count > 0) foreach (var leaf in Leaves(a[0]!, $"{path}[0]")) yield return leaf;
                break;
            default:
                yield return (path, node);
                break;
        }
    }

    private static IEnumerable<(string Kind, JsonNode? Value)> Mutations(JsonNode leaf)
    {
        switch (leaf.GetValueKind())
        {
            case JsonValueKind.Number:
                yield return ("NaN", "NaN");
                yield return ("Infinity", "Infinity");
                yield return ("-Infinity", "-Infinity");
                yield return ("huge", JsonNode.Parse("1e30"));
                yield return ("beyond double", JsonNode.Parse("1e400"));
                yield return ("negative", -1);
                yield return ("string", "12");
                yield return ("object", new JsonObject());
                break;
            case JsonValueKind.String:
                yield return ("number", 12345);
                yield return ("10,000 characters", new string('x', 10_000));
                yield return ("array", new JsonArray("x"));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                yield return ("string", "yes");
                yield return ("number", 2);
                break;
            case JsonValueKind.Array:
                yield return ("object", new JsonObject());
                yield return ("string", "[1]");
                break;
            case JsonValueKind.Object:
                yield return ("array", new JsonArray());
                yield return ("number", 1);
                break;
        }
    }

    private static string With(JsonObject sample, Action<JsonObject> change)
    {
        var copy = sample.DeepClone().AsObject();
        change(copy);
        return copy.ToJsonString();
    }

    private static JsonObject WithNode(JsonObject sample, Action<JsonObject> change)
    {
        var copy = sample.DeepClone().AsObject();
        change(copy);
        return copy;
    }

    private static string Replace(JsonObject sample, string path, JsonNode? value)
    {
        var copy = sample.DeepClone();
        var parts = path.Replace("[0]", ".[0]").Split('.');
        JsonNode parent = copy;
        foreach (var part in parts[..^1]) parent = part == "[0]" ? parent[0]! : parent[part]!;
        var last = parts[^1];
        if (last == "[0]") parent.AsArray()[0] = value?.DeepClone();
        else parent.AsObject()[last] = value?.DeepClone();
        return copy.ToJsonString();
    }

    private static string Shorten(string value) => value.Length <= 20 ? value : $"{value[..8]}…({value.Length:N0} chars)";
}

/// <summary>
/// The workers' epoch and ended reports are multipart/form-data (<see cref="WorkerProtocol"/>): every JSON case goes
/// in as the report part, followed by the binary parts the sample declares; then what can be wrong with the envelope
/// itself (no boundary, parts missing, out of order, cut short, with bytes that do not match their digest).
/// </summary>
internal static class Multipart
{
    public const string ContentType = "multipart/form-data";
    private const string Boundary = "bad-input-boundary";
    private const string Bytes = "AAAA";

    /// <summary>The digest of <see cref="Bytes"/>, the content of every binary part of the samples.</summary>
    public static string Digest { get; } = $$"""{ "length": {{Bytes.Length}}, "sha256": "{{WorkerProtocol.Sha256(Encoding.ASCII.GetBytes(Bytes))}}" }""";

    public static IEnumerable<BadCase> Cases(string name, string method, string path, JsonObject sample, IEnumerable<BadCase> jsonCases)
    {
        var parts = PartsOf(sample);
        var report = sample.ToJsonString();
        BadCase Case(string kind, string body, string contentType = $"{ContentType}; boundary={Boundary}") => new(name, kind, method, path, body, contentType);

        foreach (var c in jsonCases)
        {
            // A body of another content type is sent as it is (415); a JSON body becomes the report part.
            if (c.ContentType == "application/json" && c.Body is not null) yield return Case($"report part {c.Kind}", Body(Part(WorkerProtocol.ReportPart, "application/json", c.Body), parts));
            else yield return c;
        }
        yield return Case("multipart without boundary", Body(Part(WorkerProtocol.ReportPart, "application/json", report), parts), ContentType);
        yield return Case("boundary of 100 characters", Body(Part(WorkerProtocol.ReportPart, "application/json", report), parts), $"{ContentType}; boundary={new string('b', 100)}");
        yield return Case("no parts", $"--{Boundary}--\r\n");
        yield return Case("report part as text/plain", Body(Part(WorkerProtocol.ReportPart, "text/plain", report), parts));
        yield return Case("report part without a name", Body(Part(null, "application/json", report), parts));
        yield return Case("report part of 70,000 bytes", Body(Part(WorkerProtocol.ReportPart, "application/json", report + new string(' ', 70_000)), parts));
        yield return Case("binary part first", Body(parts.Concat([Part(WorkerProtocol.ReportPart, "application/json", report)]).ToArray(), []));
        yield return Case("binary parts missing", Body(Part(WorkerProtocol.ReportPart, "application/json", report), []));
        yield return Case("binary part shorter than declared", Body(Part(WorkerProtocol.ReportPart, "application/json", report), parts.Select(p => p.Replace(Bytes, "AA")).ToArray()));
        yield return Case("binary part longer than declared", Body(Part(WorkerProtocol.ReportPart, "application/json", report), parts.Select(p => p.Replace(Bytes, Bytes + Bytes)).ToArray()));
        yield return Case("binary part damaged", Body(Part(WorkerProtocol.ReportPart, "application/json", report), parts.Select(p => p.Replace(Bytes, "AAAB")).ToArray()));
        yield return Case("unknown part after", Body(Part(WorkerProtocol.ReportPart, "application/json", report), [.. parts, Part("zzUnknownPart", "application/octet-stream", Bytes)]));
        var whole = Body(Part(WorkerProtocol.ReportPart, "application/json", report), parts);
        yield return Case("cut short", whole[..(whole.Length - 12)]);
        yield return Case("cut inside the report part", whole[..(whole.IndexOf("\"lease\"", StringComparison.Ordinal) + 4)]);
    }

    private static string[] PartsOf(JsonObject sample)
    {
        var names = new List<string>();
        if (sample["checkpoint"] is JsonObject) names.Add(WorkerProtocol.CheckpointPart);
        if (sample["result"]?["weights"] is JsonObject) names.Add(WorkerProtocol.WeightsPart);
        if (sample["result"]?["evaluation"] is JsonObject) names.Add(WorkerProtocol.EvaluationPart);
        return names.Select(n => Part(n, "application/octet-stream", Bytes)).ToArray();
    }

    private static string Part(string? name, string contentType, string content) =>
        $"--{Boundary}\r\nContent-Disposition: form-data{(name is null ? "" : $"; name=\"{name}\"")}\r\nContent-Type: {contentType}\r\n\r\n{content}\r\n";

    private static string Body(string report, string[] parts) => Body([report, .. parts], []);

    private static string Body(string[] first, string[] then) => string.Concat(first.Concat(then)) + $"--{Boundary}--\r\n";
}

/// <summary>Sends the cases one at a time and records each answer.</summary>
internal static class BadInputRunner
{
    public static async Task<List<BadOutcome>> SendAsync(HttpClient http, IEnumerable<BadCase> cases)
    {
        var outcomes = new List<BadOutcome>();
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
            if (c.Body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(c.Body));
                if (c.ContentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.ContentType);
                // As curl does above 1 KB: the server can refuse an oversized body before it is sent. Without it, a 413
                // answered while the client is still writing 1 MB can be lost to the closed connection (broken pipe).
                request.Headers.ExpectContinue = c.Body.Length > 1024;
            }
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                outcomes.Add(new BadOutcome(c, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, Detail(text), clock.Elapsed.TotalMilliseconds));
            }
            catch (HttpRequestException e)
            {
                // No answer at all (status 0) is a violation too.
                outcomes.Add(new BadOutcome(c, 0, null, $"no answer: {e.InnerException?.Message ?? e.Message}", clock.Elapsed.TotalMilliseconds));
            }
        }
        return outcomes;
    }

    /// <summary>
    /// The hub has no methods clients may call (it only broadcasts): invocations of made-up methods with bad
    /// arguments must each fail with a HubException and leave the connection open.
    /// </summary>
    public static async Task<List<BadOutcome>> SendToHubAsync(Uri baseAddress)
    {
        var offered = typeof(TrainingHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name);
        var outcomes = new List<BadOutcome>();
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, TrainingHub.Path.TrimStart('/'))).Build();
        await connection.StartAsync();
        // Plain JSON cannot carry NaN: it goes as the named literal, as an HTTP client would send it.
        object?[][] arguments = [[], ["NaN"], [new string('x', 10_000)], [new { epochs = 1, zzUnknownField = 1 }], [null, 1e308]];
        foreach (var method in offered.Concat(["LaunchRun", "CancelRun", "DeleteRun", "SendAsync", "OnConnectedAsync"]))
        {
            foreach (var args in arguments)
            {
                var c = new BadCase($"hub {TrainingHub.Path}", $"{method}({args.Length} args)", "INVOKE", method, string.Join(", ", args.Select(x => Shorten(x?.ToString() ?? "null"))), null);
                var clock = Stopwatch.StartNew();
                string? error = null;
                try
                {
                    await connection.InvokeCoreAsync(method, typeof(object), args).WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Microsoft.AspNetCore.SignalR.HubException e)
                {
                    error = e.Message;
                }
                var refused = error is not null && connection.State == HubConnectionState.Connected;
                // Refused invocations are recorded as 400 problem details, accepted ones as 200, so one rule judges both.
                outcomes.Add(new BadOutcome(c, refused ? 400 : 200, refused ? "application/problem+json" : connection.State.ToString(), error, clock.Elapsed.TotalMilliseconds));
            }
        }
        return outcomes;
    }

    private static string? Detail(string text)
    {
        try
        {
            var root = JsonDocument.Parse(text).RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Shorten(text);
            return root.TryGetProperty("detail", out var d) ? d.GetString() : root.TryGetProperty("title", out var t) ? t.GetString() : Shorten(text);
        }
        catch (JsonException)
        {
            return Shorten(text);
        }
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "…";
}

/// <summary>SHA-256 of every run document, artifact and study, to show that bad input changed nothing.</summary>
internal static class StoreFingerprint
{
    public static SortedDictionary<string, string> Take(RunStore runs, StudyStore studies)
    {
        var prints = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["runs.count"] = runs.Count().ToString() };
        var page = runs.Query(new RunQuery { Take = 500 });
        foreach (var run in page.Items)
        {
            prints[$"run {run.Id}"] = Hash(JsonSerializer.SerializeToUtf8Bytes(runs.Get(run.Id)));
            if (runs.LoadWeights(run.Id) is { } weights) prints[$"weights {run.Id}"] = Hash(weights);
            if (runs.LoadCheckpoint(run.Id) is { } checkpoint) prints[$"checkpoint {run.Id}"] = Hash(checkpoint);
            if (runs.LoadEvaluation(run.Id) is { } evaluation) prints[$"evaluation {run.Id}"] = Hash(JsonSerializer.SerializeToUtf8Bytes(evaluation));
        }
        var all = studies.List();
        prints["studies.count"] = all.Count.ToString();
        foreach (var study in all) prints[$"study {study.Id}"] = Hash(JsonSerializer.SerializeToUtf8Bytes(study));
        return prints;
    }

    /// <summary>One line per key that was added, removed or changed.</summary>
    public static List<string> Differences(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Select(k => $"{k}: {Short(before.GetValueOrDefault(k))} -> {Short(after.GetValueOrDefault(k))}")
            .ToList();

    private static string Short(string? hash) => hash is null ? "(none)" : hash.Length > 12 ? hash[..12] : hash;

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
