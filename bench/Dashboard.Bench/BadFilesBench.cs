using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dashboard.Bench.Harness;
using Dashboard.Training.Data;
using LiteDB;

namespace Dashboard.Bench;

/// <summary>
/// bad-files: damaged data set files, damaged database files and a damaged stored artifact. For each, the
/// loader or the real dashboard must name the file and the fault, and nothing else may be lost: the runs
/// that were there are still listed and their weights unchanged. Exit 1 when a check fails.
/// </summary>
internal static class BadFilesBench
{
    private sealed record DataCase(string Name, string File, Func<byte[], byte[]> Damage, bool WriteRaw, string[] LoaderFault);

    public static async Task<int> RunAsync(Arguments a)
    {
        var failures = new List<string>();
        var dir = Directory.CreateTempSubdirectory("dashboard-bad-files-").FullName;
        try
        {
            var db = Path.Combine(dir, "dashboard.db");
            var (keeper, victim, hashes) = await SeedAsync(db, dir);
            Console.WriteLine($"bad-files: seeded two completed runs (keeper {keeper}, victim {victim})");
            foreach (var c in DataCases()) await DataCaseAsync(c, dir, db, hashes, failures);
            // The seeding process was killed: fold LiteDB's log into the file, so a copy holds every run.
            using (var lite = new LiteDatabase(new ConnectionString { Filename = db, Connection = ConnectionType.Direct })) lite.Checkpoint();
            foreach (var (name, damage) in DatabaseCases()) await DatabaseCaseAsync(name, damage, dir, db, hashes, failures);
            await ArtifactCaseAsync(dir, db, keeper, victim, hashes, failures);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Console.WriteLine(failures.Count == 0 ? "PASS: every file named with its fault, nothing else lost" : $"FAIL: {failures.Count} check(s) failed");
        foreach (var f in failures) Console.WriteLine($"  failed: {f}");
        return failures.Count == 0 ? 0 : 1;
    }

    private static DashboardProcess.Settings Settings(string db, string dataset) => new(db, dataset, dataset);

    /// <summary>Trains two quick runs in the real dashboard; returns their ids and the SHA-256 of every run's weights.</summary>
    private static async Task<(Guid Keeper, Guid Victim, Dictionary<Guid, string> Hashes)> SeedAsync(string db, string dir)
    {
        using var web = DashboardProcess.Start(new DashboardProcess.Settings(db, Path.Combine(dir, "no-such-dir")));
        using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await web.WaitUntilUpAsync(http);
        var ids = new List<Guid>();
        foreach (var name in new[] { "keeper", "victim" })
        {
            using var response = await http.PostAsJsonAsync("api/runs", new { config = new { epochs = 1, batchSize = 128, trainSubset = 1000, threads = 2 }, name });
            response.EnsureSuccessStatusCode();
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        var hashes = new Dictionary<Guid, string>();
        foreach (var id in ids)
        {
            var deadline = DateTime.UtcNow.AddMinutes(5);
            DashboardApi.RunState? run;
            while ((run = await DashboardApi.GetRunAsync(http, id))?.Status is "Queued" or "Running" && DateTime.UtcNow < deadline) await Task.Delay(250);
            if (run?.Status != "Completed") throw new InvalidOperationException($"Seeding: run {id} ended {run?.Status}: {run?.StatusReason}");
            hashes[id] = DashboardApi.Sha256((await DashboardApi.GetWeightsAsync(http, id)).Bytes);
        }
        return (ids[0], ids[1], hashes);
    }

    private static IEnumerable<DataCase> DataCases() =>
    [
        new("truncated .gz", "train-labels-idx1-ubyte.gz", gz => gz[..(gz.Length / 2)], false, ["gzip", "truncated"]),
        new("bad gzip body", "t10k-labels-idx1-ubyte.gz", gz => Flip(gz, 20, 64), false, ["gzip"]),
        new("bad magic", "t10k-labels-idx1-ubyte", raw => WithInt(raw, 0, IdxReader.ImagesMagic), true, ["magic"]),
        new("count too small", "t10k-images-idx3-ubyte", raw => WithInt(raw, 4, 9_999), true, ["unexpected bytes"]),
        new("truncated raw", "t10k-images-idx3-ubyte", raw => raw[..(raw.Length - 1000)], true, ["truncated"]),
        new("labels disagree", "t10k-labels-idx1-ubyte", raw => WithInt(raw[..^1], 4, 9_999), true, ["holds 9999 labels"]),
    ];

    /// <summary>Copies the real files, damages one, and checks the loader (both modes) and the dashboard.</summary>
    private static async Task DataCaseAsync(DataCase c, string dir, string db, Dictionary<Guid, string> hashes, List<string> failures)
    {
        var data = Path.Combine(dir, "data-" + string.Concat(c.Name.Where(char.IsLetterOrDigit)));
        Directory.CreateDirectory(data);
        foreach (var file in Directory.GetFiles(DashboardProcess.DefaultSystemDataset, "*.gz")) File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        var gzPath = Path.Combine(data, c.File.EndsWith(".gz", StringComparison.Ordinal) ? c.File : c.File + ".gz");
        var damagedPath = Path.Combine(data, c.File);
        var source = File.ReadAllBytes(gzPath);
        if (c.WriteRaw)
        {
            File.Delete(gzPath);
            File.WriteAllBytes(damagedPath, c.Damage(IdxReader.Gunzip(source)));
        }
        else File.WriteAllBytes(damagedPath, c.Damage(source));

        Console.WriteLine($"data file, {c.Name} ({c.File}):");
        var loose = LoaderMessage(data, verifyChecksums: false);
        Check($"loader: {loose}", loose.Contains(damagedPath, StringComparison.Ordinal) && c.LoaderFault.Any(f => loose.Contains(f, StringComparison.Ordinal)), failures);
        var strict = LoaderMessage(data, verifyChecksums: true);
        Check($"loader, checksums on: {strict}", strict.Contains(damagedPath, StringComparison.Ordinal)
            && (strict.Contains("checksum mismatch", StringComparison.Ordinal) || c.LoaderFault.Any(f => strict.Contains(f, StringComparison.Ordinal))), failures);

        using var web = DashboardProcess.Start(Settings(db, data));
        using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await web.WaitUntilUpAsync(http);
        using var response = await http.PostAsJsonAsync("api/runs", new { config = new { epochs = 1, batchSize = 128, trainSubset = 500, threads = 2 }, name = "on damaged data" });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        DashboardApi.RunState? run;
        while ((run = await DashboardApi.GetRunAsync(http, id))?.Status is "Queued" or "Running" && DateTime.UtcNow < deadline) await Task.Delay(200);
        Check($"dashboard: run {run?.Status}: {run?.StatusReason}", run?.Status == "Failed" && run.StatusReason?.Contains(damagedPath, StringComparison.Ordinal) == true, failures);
        await CheckNothingLostAsync(http, hashes, failures);
    }

    private static string LoaderMessage(string directory, bool verifyChecksums)
    {
        try
        {
            using var data = FashionMnistData.Load(directory, verifyChecksums);
            return "(loaded without an error)";
        }
        catch (DatasetException e)
        {
            return e.Message;
        }
    }

    private static IEnumerable<(string Name, Func<byte[], byte[]> Damage)> DatabaseCases() =>
    [
        ("random bytes", _ => RandomNumberGenerator.GetBytes(1 << 20)),
        ("LiteDB file truncated to half", b => b[..(b.Length / 2)]),
        ("LiteDB file truncated to 4 KB", b => b[..4096]),
    ];

    /// <summary>A damaged copy of the database: the dashboard refuses it with a message naming the file, or serves what it can without a 5xx.</summary>
    private static async Task DatabaseCaseAsync(string name, Func<byte[], byte[]> damage, string dir, string db, Dictionary<Guid, string> hashes, List<string> failures)
    {
        var copy = Path.Combine(dir, "damaged-" + string.Concat(name.Where(char.IsLetterOrDigit)) + ".db");
        File.WriteAllBytes(copy, damage(File.ReadAllBytes(db)));
        var before = DashboardApi.Sha256(File.ReadAllBytes(copy));
        Console.WriteLine($"database, {name}:");
        using var web = DashboardProcess.Start(Settings(copy, DashboardProcess.DefaultSystemDataset));
        using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var up = false;
        try
        {
            await web.WaitUntilUpAsync(http, TimeSpan.FromSeconds(90));
            up = true;
        }
        catch (InvalidOperationException)
        {
            // Exited: the expected refusal.
        }
        if (!up)
        {
            web.WaitForExit(TimeSpan.FromSeconds(10));
            var message = web.Output.Split('\n').FirstOrDefault(l => l.Contains(copy, StringComparison.Ordinal)) ?? web.Tail(5);
            Check($"refused to start (exit {web.ExitCode}): {message.Trim()}", message.Contains(copy, StringComparison.Ordinal), failures);
        }
        else
        {
            using var list = await http.GetAsync("api/runs?take=500");
            var body = await list.Content.ReadAsStringAsync();
            var total = list.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("total").GetInt32() : -1;
            Check($"started; GET /api/runs answered {(int)list.StatusCode} with {total} run(s) listed", (int)list.StatusCode < 500, failures);
            foreach (var id in hashes.Keys)
            {
                var (code, bytes, _) = await DashboardApi.GetWeightsAsync(http, id);
                Check($"  weights of run {id.ToString()[..8]} on the damaged file: {code}{(code == 200 ? (DashboardApi.Sha256(bytes) == hashes[id] ? ", intact" : ", DIFFERENT bytes") : "")}", code < 500, failures);
            }
            // Starting is acceptable only with a word about the damage: silently serving a cut file hides the loss.
            var warning = web.Output.Split('\n').FirstOrDefault(l => l.Contains(copy, StringComparison.Ordinal));
            Check(warning is null ? "started on the damaged file without a message naming it" : $"started, warning: {warning.Trim()}", warning is not null, failures);
        }
        var after = DashboardApi.Sha256(File.ReadAllBytes(copy));
        Check(after == before ? "the damaged file was left as it was" : "the damaged file was written to by the dashboard", after == before, failures);
        // The real database beside it is untouched and still opens with every run.
        using var good = DashboardProcess.Start(Settings(db, DashboardProcess.DefaultSystemDataset));
        using var goodHttp = new HttpClient { BaseAddress = good.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await good.WaitUntilUpAsync(goodHttp);
        await CheckNothingLostAsync(goodHttp, hashes, failures);
    }

    /// <summary>
    /// Flips bytes in the middle of the victim's stored weights (LiteDB's _chunks, the dashboard stopped). Expected:
    /// the download is refused with 409 and problem details (SHA-256 verification of artifacts), the other run is intact.
    /// </summary>
    private static async Task ArtifactCaseAsync(string dir, string db, Guid keeper, Guid victim, Dictionary<Guid, string> hashes, List<string> failures)
    {
        Console.WriteLine("artifact, bytes flipped in a stored weights chunk:");
        using (var lite = new LiteDatabase(new ConnectionString { Filename = db, Connection = ConnectionType.Direct }))
        {
            var chunks = lite.GetCollection("_chunks");
            var chunk = chunks.FindById(new BsonDocument { ["f"] = "weights/" + victim.ToString("N"), ["n"] = 0 })
                ?? throw new InvalidOperationException($"No weights chunk for run {victim} in {db}.");
            var data = chunk["data"].AsBinary;
            chunk["data"] = Flip(data, data.Length / 2, 16);
            chunks.Update(chunk);
        }
        using var web = DashboardProcess.Start(Settings(db, DashboardProcess.DefaultSystemDataset));
        using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await web.WaitUntilUpAsync(http);
        using var weights = await http.GetAsync($"api/runs/{victim}/weights");
        var body = weights.IsSuccessStatusCode ? $"{(await weights.Content.ReadAsByteArrayAsync()).Length} bytes" : await weights.Content.ReadAsStringAsync();
        var problem = weights.Content.Headers.ContentType?.MediaType == "application/problem+json";
        Check($"weights download answered {(int)weights.StatusCode}{(problem ? " problem+json" : "")}: {body[..Math.Min(body.Length, 300)]}", (int)weights.StatusCode == 409 && problem, failures);
        using var page = await http.GetAsync($"runs/{victim}");
        Check($"the run's page answered {(int)page.StatusCode}", page.IsSuccessStatusCode, failures);
        hashes.Remove(victim);
        await CheckNothingLostAsync(http, hashes, failures);
        var victimRun = await DashboardApi.GetRunAsync(http, victim);
        Check($"the damaged run is still listed ({victimRun?.Status})", victimRun is not null, failures);
        _ = dir;
    }

    /// <summary>Every seeded run still listed as Completed, with the weights it had.</summary>
    private static async Task CheckNothingLostAsync(HttpClient http, Dictionary<Guid, string> hashes, List<string> failures)
    {
        var listed = await DashboardApi.ListAsync(http);
        foreach (var (id, sha) in hashes)
        {
            var status = listed.FirstOrDefault(r => r.Id == id).Status;
            var (code, bytes, _) = await DashboardApi.GetWeightsAsync(http, id);
            Check($"run {id.ToString()[..8]} still listed ({status ?? "missing"}), weights {(code == 200 && DashboardApi.Sha256(bytes) == sha ? "unchanged" : $"answered {code}")}",
                status == "Completed" && code == 200 && DashboardApi.Sha256(bytes) == sha, failures);
        }
    }

    private static void Check(string what, bool ok, List<string> failures)
    {
        Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
        if (!ok) failures.Add(what);
    }

    private static byte[] Flip(byte[] bytes, int offset, int count)
    {
        var copy = bytes.ToArray();
        for (var i = offset; i < Math.Min(offset + count, copy.Length); i++) copy[i] ^= 0xA5;
        return copy;
    }

    private static byte[] WithInt(byte[] bytes, int offset, int value)
    {
        var copy = bytes.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
