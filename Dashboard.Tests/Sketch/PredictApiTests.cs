using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training;
using Dashboard.Training.Evaluation;
using Dashboard.Training.Inference;
using Dashboard.Training.Models;
using Dashboard.Web.Storage;
using static TorchSharp.torch;

namespace Dashboard.Tests.Sketch;

/// <summary>POST /api/predict on a real Kestrel app with two runs trained on the real data.</summary>
[Collection(TrainingCollection.Name)]
public sealed class PredictApiTests(PredictApiTests.TrainedApp fixture) : IClassFixture<PredictApiTests.TrainedApp>
{
    /// <summary>One app and two quick runs for the whole class: training is the slow part.</summary>
    public sealed class TrainedApp : IAsyncLifetime
    {
        private readonly TempDirectory _dir = new();

        public DashboardApp App { get; private set; } = null!;
        public HttpClient Http { get; private set; } = null!;
        public Run First { get; private set; } = null!;
        public Run Second { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = new DashboardApp(_dir.Path);
            Http = App.CreateHttpClient();
            First = await TrainAsync(App, "first", seed: 1);
            Second = await TrainAsync(App, "second", seed: 2);
        }

        public static async Task<Run> TrainAsync(DashboardApp app, string name, int seed)
        {
            var config = TrainingConfig.ReportControl with { Epochs = 1, BatchSize = 128, TrainSubset = 2000, Threads = 2, Seed = seed };
            var launched = app.Training.Launch(config, name);
            Assert.True(launched.Succeeded, string.Join(" ", launched.Errors.Select(e => e.Message)));
            var run = await app.WaitForFinishAsync(launched.Run!.Id, TimeSpan.FromMinutes(10));
            Assert.Equal(RunStatus.Completed, run.Status);
            return run;
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await App.DisposeAsync();
            _dir.Dispose();
        }
    }

    private static byte[] TestImage(int index) => RealData.Get().TestPixels.AsSpan(index * 784, 784).ToArray();

    // Numbers, as the API takes them: System.Text.Json would send a byte[] as a base64 string.
    private static int[] Numbers(byte[] pixels) => pixels.Select(p => (int)p).ToArray();

    private Task<HttpResponseMessage> PostAsync(object body) => fixture.Http.PostAsJsonAsync("api/predict", body);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString();
        Assert.Contains(expected, detail);
    }

    [Fact]
    public async Task OneRunGivesTenProbabilitiesThatSumToOne()
    {
        var response = await PostAsync(new { runIds = new[] { fixture.First.Id }, pixels = Numbers(TestImage(0)) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Ankle boot", body.GetProperty("classNames")[9].GetString());
        var run = Assert.Single(body.GetProperty("runs").EnumerateArray());
        Assert.Equal(fixture.First.Id, run.GetProperty("runId").GetGuid());
        Assert.Equal("first", run.GetProperty("name").GetString());
        var probabilities = run.GetProperty("scores").GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(10, probabilities.Length);
        Assert.Equal(1.0, probabilities.Sum(), 1e-5);
        var top = run.GetProperty("scores").GetProperty("topClass").GetInt32();
        Assert.Equal(probabilities.Max(), probabilities[top]);
        Assert.Equal(Dashboard.Training.Data.FashionMnist.ClassNames[top], run.GetProperty("scores").GetProperty("topClassName").GetString());
        // With one run the ensemble is that run.
        Assert.Equal(probabilities, body.GetProperty("ensemble").GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()));
    }

    [Fact]
    public async Task TheEnsembleIsTheMeanOfItsMembers()
    {
        var response = await PostAsync(new { runIds = new[] { fixture.First.Id, fixture.Second.Id }, pixels = Numbers(TestImage(1)) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var members = body.GetProperty("runs").EnumerateArray()
            .Select(r => r.GetProperty("scores").GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray()).ToArray();
        Assert.Equal(2, members.Length);
        Assert.NotEqual(members[0], members[1]);
        var ensemble = body.GetProperty("ensemble").GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        for (var c = 0; c < 10; c++) Assert.Equal((members[0][c] + members[1][c]) / 2, ensemble[c], 1e-6);
    }

    [Fact]
    public async Task PredictionsEqualTheEvaluationPath()
    {
        const int count = 40;
        var data = RealData.Get();
        using var model = ModelWeights.Load(ModelCatalog.Create(fixture.First.Config.Model), fixture.App.Store.LoadWeights(fixture.First.Id)!);
        using var images = data.TestImages.narrow(0, 0, count);
        using var labels = data.TestLabels.narrow(0, 0, count);
        var evaluation = Evaluator.Evaluate(model, images, labels, CPU);

        for (var i = 0; i < count; i++)
        {
            var response = await PostAsync(new { runIds = new[] { fixture.First.Id }, pixels = Numbers(TestImage(i)) });
            var scores = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runs")[0].GetProperty("scores");

            Assert.Equal(evaluation.Predictions[i], scores.GetProperty("topClass").GetInt32());
            var probabilities = scores.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray();
            // A tolerance, not rounding to 5 places: a batch of 40 and a batch of 1 differ in the 8th digit, which rounding can turn into the 5th.
            for (var c = 0; c < 10; c++) Assert.Equal(evaluation.Probabilities[i * 10 + c], probabilities[c], 1e-5f);
        }
    }

    [Fact]
    public async Task TestImagesDrawnOnTheCanvasKeepTheirPrediction()
    {
        // The canvas path of "Try a test image": inverted, 4× nearest-neighbour into the 112×112 raster, preprocessed back.
        const int count = 200;
        var unchanged = 0;
        for (var i = 0; i < count; i++)
        {
            var original = TestImage(i);
            var raster = new byte[112 * 112];
            for (var y = 0; y < 112; y++)
                for (var x = 0; x < 112; x++)
                    raster[y * 112 + x] = (byte)(255 - original[y / 4 * 28 + x / 4]);
            var back = SketchPreprocessor.Preprocess(raster, 112, 112).Pixels;

            var before = await PostAsync(new { runIds = new[] { fixture.First.Id }, pixels = Numbers(original) });
            var after = await PostAsync(new { runIds = new[] { fixture.First.Id }, pixels = Numbers(back) });
            var top = (await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ensemble").GetProperty("topClass").GetInt32();
            if (top == (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ensemble").GetProperty("topClass").GetInt32())
                unchanged++;
        }
        // 91 % come back pixel for pixel; the rest differ by a faint edge, which rarely changes the class.
        Assert.InRange(unchanged, count * 97 / 100, count);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{ "runIds": [], "pixels": [] }""", "No run ids" },
        { """{ "pixels": [1, 2, 3] }""", "No run ids" },
        { """{ "runIds": ["RUN"] }""", "No pixels" },
        { """{ "runIds": ["RUN"], "pixels": [1, 2, 3] }""", "Expected 784 pixel values (28 × 28, row-major), got 3" },
        { """{ "runIds": ["RUN"], "pixels": PIXELS785 }""", "got 785" },
        { """{ "runIds": ["RUN"], "pixels": PIXELS256 }""", "pixels[783] (row 27, column 27) is 256" },
        { """{ "runIds": ["RUN"], "pixels": PIXELSNEG }""", "between 0 and 255; pixels[783] (row 27, column 27) is -0.5" },
        { """{ "runIds": ["RUN"], "pixels": PIXELSNAN }""", "is NaN" },
        { """{ "runIds": ["RUN", "RUN"], "pixels": PIXELS }""", "is listed more than once" },
        { """{ "runIds": NINE, "pixels": PIXELS }""", "Too many runs (9): an ensemble has at most 8" },
        { """{ "runIds": ["RUN"], "pixels": [1, 2""", "not a valid predict request" },
        { """{ "runIds": ["not-a-guid"], "pixels": PIXELS }""", "not a valid predict request" },
        { """null""", "The body is empty" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task InvalidRequestsAreRefusedWith400AndAClearMessage(string template, string expected)
    {
        static string Pixels(int count, string last) => "[" + string.Join(",", Enumerable.Repeat("0", count - 1).Append(last)) + "]";
        var body = template
            .Replace("PIXELS785", Pixels(785, "0")).Replace("PIXELS256", Pixels(784, "256")).Replace("PIXELSNEG", Pixels(784, "-0.5"))
            .Replace("PIXELSNAN", Pixels(784, "\"NaN\"")).Replace("PIXELS", Pixels(784, "0"))
            .Replace("NINE", JsonSerializer.Serialize(Enumerable.Range(0, 9).Select(_ => Guid.NewGuid())))
            .Replace("RUN", fixture.First.Id.ToString());

        var response = await fixture.Http.PostAsync("api/predict", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
    }

    [Fact]
    public async Task ABodyOverTheSizeLimitIsRefusedWhetherItsLengthIsDeclaredOrNot()
    {
        // Valid JSON, padded with whitespace past 64 KB.
        var body = $$"""{ "runIds": ["{{fixture.First.Id}}"], "pixels": [{{string.Join(",", new int[784])}}] {{new string(' ', 70_000)}}}""";

        // Expect: 100-continue, as curl sends above 1 KB: the 413 then comes before the body is written, instead of racing
        // the client's write of the rest into a connection Kestrel closes after refusing it (a broken pipe on the client).
        var declared = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/predict")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { ExpectContinue = true },
        });
        await AssertProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge, "larger than 64 KB");

        var chunked = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(body)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var undeclared = await fixture.Http.PostAsync("api/predict", chunked);
        await AssertProblemAsync(undeclared, HttpStatusCode.RequestEntityTooLarge, "larger than 64 KB");
    }

    [Fact]
    public async Task AnUnknownRunIs404()
    {
        var unknown = Guid.NewGuid();

        var response = await PostAsync(new { runIds = new[] { fixture.First.Id, unknown }, pixels = Numbers(TestImage(0)) });

        await AssertProblemAsync(response, HttpStatusCode.NotFound, $"No run has the id {unknown}");
    }

    [Fact]
    public async Task ARunThatIsNotCompletedIs409()
    {
        // Stored but never queued: it stays Queued.
        var queued = fixture.App.Store.Create(TrainingConfig.ReportControl, "waiting");

        var response = await PostAsync(new { runIds = new[] { queued.Id }, pixels = Numbers(TestImage(0)) });

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "is Queued: only completed runs can predict");
    }

    /// <summary>A stream that cannot tell its length, so HttpClient sends it chunked, without Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
