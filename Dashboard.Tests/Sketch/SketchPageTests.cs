using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Tests.EndToEnd;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Training.Data;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Microsoft.Playwright;

namespace Dashboard.Tests.Sketch;

/// <summary>The Sketch page in a real Chromium against the real app, with runs trained on the real data.</summary>
[Collection(TrainingCollection.Name)]
public sealed class SketchPageTests(Browser browser) : IClassFixture<Browser>
{
    private static async Task<double[]> ProbabilitiesAsync(IPage page)
    {
        var attribute = await page.GetByTestId("sketch-prediction").GetAttributeAsync("data-probabilities");
        return attribute!.Split(',').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Waits until the prediction panel shows a prediction different from <paramref name="previous"/>.</summary>
    private static async Task WaitForPredictionAsync(IPage page, string? previous = null) =>
        await page.WaitForFunctionAsync(
            "previous => { const p = document.querySelector('[data-testid=sketch-prediction]'); return p && p.dataset.state === 'ready' && p.dataset.probabilities !== previous; }",
            previous ?? "", new PageWaitForFunctionOptions { Timeout = 60_000 });

    private static async Task DrawVerticalStrokeAsync(IPage page, float x, float top, float bottom)
    {
        var box = (await page.GetByTestId("sketch-canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + x, box.Y + top);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + x, box.Y + bottom, new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();
    }

    [Fact]
    public async Task WithoutACompletedRunThePageSaysSoAndLinksToNewRun()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        app.Store.Create(Dashboard.Training.TrainingConfig.ReportControl, "still queued");
        var (page, consoleErrors) = await browser.NewPageAsync();

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "sketch"));

        var message = page.GetByTestId("sketch-no-runs");
        await message.WaitForAsync();
        Assert.Contains("no completed run", await message.TextContentAsync());
        Assert.Equal("new", await message.Locator("a").GetAttributeAsync("href"));
        Assert.Equal(0, await page.GetByTestId("sketch-canvas").CountAsync());
        await Browser.ScreenshotAsync(page, "sketch-no-runs");
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task DrawingShowsTheModelInputAndTenProbabilitiesAndAnEnsembleShowsEachMember()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var first = await PredictApiTests.TrainedApp.TrainAsync(app, "sketch first", seed: 1);
        var second = await PredictApiTests.TrainedApp.TrainAsync(app, "sketch second", seed: 2);
        var best = first.Accuracy >= second.Accuracy ? first : second;
        var (page, consoleErrors) = await browser.NewPageAsync();

        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "sketch"));

        // Nothing drawn: no guess, and the most accurate run is picked.
        var panel = page.GetByTestId("sketch-prediction");
        await page.GetByTestId("sketch-empty").WaitForAsync();
        Assert.Equal("empty", await panel.GetAttributeAsync("data-state"));
        // MudSelect puts the test id on its read-only input, whose value is the shown text.
        Assert.StartsWith(best.Name + " · ", await page.GetByTestId("sketch-models").InputValueAsync());
        await Browser.ScreenshotAsync(page, "sketch-empty-light");

        // Two vertical strokes, like a pair of trousers.
        await DrawVerticalStrokeAsync(page, 130, 40, 300);
        await DrawVerticalStrokeAsync(page, 206, 40, 300);
        // Under load the first stroke's prediction can still be showing: wait for the two-stroke input, whose
        // centre (between the strokes) is blank, then read input and output in one go so that they belong together.
        await page.WaitForFunctionAsync(
            "() => { const p = document.querySelector('[data-testid=sketch-prediction]'); const i = document.querySelector('[data-testid=sketch-preview]'); " +
            "return p && i && p.dataset.state === 'ready' && i.dataset.pixels && atob(i.dataset.pixels).charCodeAt(14 * 28 + 14) === 0; }",
            null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        var state = await panel.EvaluateAsync<string[]>(
            "p => [p.dataset.probabilities, p.dataset.topClass, document.querySelector('[data-testid=sketch-preview]').dataset.pixels]");
        var probabilities = state[0].Split(',').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(10, probabilities.Length);
        Assert.Equal(1.0, probabilities.Sum(), 1e-4);
        var topClass = state[1];
        Assert.Equal(FashionMnist.ClassNames[Array.IndexOf(probabilities, probabilities.Max())], topClass);
        Assert.Equal(topClass, (await page.GetByTestId("sketch-top-class").TextContentAsync())!.Trim());
        // ApexCharts drew one bar per class.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('[data-testid=sketch-chart] .apexcharts-bar-area').length === 10");

        // The preview is the model's input: a real 28×28 image, and the API given those pixels answers the same.
        var preview = page.GetByTestId("sketch-preview");
        Assert.Equal(28, await preview.EvaluateAsync<int>("img => img.naturalWidth"));
        var pixels = Convert.FromBase64String(state[2]);
        Assert.Equal(784, pixels.Length);
        // Two strokes: ink in two separate column bands, the frame filled top to bottom.
        Assert.Contains(pixels.Take(28), p => p > 0);
        Assert.Contains(pixels.Skip(27 * 28), p => p > 0);
        Assert.Equal(0, pixels[14 * 28 + 14]);
        using (var http = app.CreateHttpClient())
        {
            var response = await http.PostAsJsonAsync("api/predict", new { runIds = new[] { best.Id }, pixels = pixels.Select(p => (int)p).ToArray() });
            var api = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ensemble").GetProperty("probabilities")
                .EnumerateArray().Select(p => p.GetDouble()).ToArray();
            for (var c = 0; c < 10; c++) Assert.Equal(api[c], probabilities[c], 1e-6);
        }
        await Browser.ScreenshotAsync(page, "sketch-drawn-light");

        // An ensemble of both runs: each member's top class appears.
        var before = await panel.GetAttributeAsync("data-probabilities");
        await page.GetByTestId("sketch-models").ClickAsync();
        var other = best == first ? second : first;
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = other.Name }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("sketch-member").Nth(1).WaitForAsync();
        var members = page.GetByTestId("sketch-member");
        Assert.Equal(2, await members.CountAsync());
        foreach (var member in await members.AllAsync())
            Assert.Contains(await member.GetAttributeAsync("data-top-class"), FashionMnist.ClassNames);
        await WaitForPredictionAsync(page, before);
        Assert.Equal(1.0, (await ProbabilitiesAsync(page)).Sum(), 1e-4);
        Assert.Contains("Ensemble of 2 runs", await panel.TextContentAsync());
        await Browser.ScreenshotAsync(page, "sketch-ensemble-light");

        await page.GetByLabel("Toggle dark theme").ClickAsync();
        await page.WaitForTimeoutAsync(400);
        await Browser.ScreenshotAsync(page, "sketch-ensemble-dark");

        // Undo the second stroke, then clear: back to nothing drawn.
        before = await panel.GetAttributeAsync("data-probabilities");
        await page.GetByTestId("sketch-undo").ClickAsync();
        await WaitForPredictionAsync(page, before);
        await page.GetByTestId("sketch-clear").ClickAsync();
        await page.GetByTestId("sketch-empty").WaitForAsync();
        Assert.Null(await panel.GetAttributeAsync("data-probabilities"));
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task ATestImageAndAnUploadedPhotoAreDrawnOnTheCanvasAndBadUploadsAreRefused()
    {
        using var dir = new TempDirectory();
        await using var app = new DashboardApp(dir.Path);
        var run = await PredictApiTests.TrainedApp.TrainAsync(app, "sketch run", seed: 3);
        var (page, consoleErrors) = await browser.NewPageAsync();
        await page.GotoInteractiveAsync(new Uri(app.BaseAddress, "sketch"));
        await page.GetByTestId("sketch-empty").WaitForAsync();

        // A random Trouser from the test set.
        await page.GetByTestId("sketch-test-class").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new LocatorFilterOptions { HasText = "Trouser" }).ClickAsync();
        // The choice is committed on the server; trying before it arrives would draw another class.
        await page.WaitForFunctionAsync(
            """
            () => {
              const el = document.querySelector('[data-testid=sketch-test-class]');
              const root = el?.closest('.mud-select') ?? el;
              if (!root || document.querySelector('.mud-popover-open')) return false;
              const values = [...root.querySelectorAll('input')].map(i => i.value);
              return values.includes('Trouser') || values.includes('1') || root.textContent.includes('Trouser');
            }
            """);
        await page.GetByTestId("sketch-try-test").ClickAsync();
        await WaitForPredictionAsync(page);
        var caption = (await page.GetByTestId("sketch-caption").TextContentAsync())!;
        Assert.Contains("labelled Trouser", caption);
        var index = int.Parse(caption.Split('#')[1].Split(',')[0], CultureInfo.InvariantCulture);
        Assert.Equal(1, RealData.Get().TestLabelBytes[index]);
        // Drawn on the canvas and preprocessed back, the image is (nearly always exactly) the original.
        var original = RealData.Get().TestPixels.AsSpan(index * 784, 784).ToArray();
        var preview = Convert.FromBase64String((await page.GetByTestId("sketch-preview").GetAttributeAsync("data-pixels"))!);
        Assert.True(original.Zip(preview, (a, b) => Math.Abs(a - b)).Average() < 10, "the test image did not survive the canvas");
        await Browser.ScreenshotAsync(page, "sketch-test-image-light");

        // An uploaded photo: a test-set bag, drawn dark on white as a photo of one would be.
        var bag = RealData.Get().TestPixels.AsSpan(Array.IndexOf(RealData.Get().TestLabelBytes, (byte)8) * 784, 784).ToArray();
        var png = GrayscalePng.Encode(bag.Select(p => (byte)(255 - p)).ToArray(), 28, 28);
        var before = await page.GetByTestId("sketch-prediction").GetAttributeAsync("data-probabilities");
        await page.GetByTestId("sketch-upload").SetInputFilesAsync(new FilePayload { Name = "bag.png", MimeType = "image/png", Buffer = png });
        await WaitForPredictionAsync(page, before);
        Assert.Contains("Your photo", await page.GetByTestId("sketch-caption").TextContentAsync());

        // Not an image, and too large: refused with a message, the canvas untouched.
        before = await page.GetByTestId("sketch-prediction").GetAttributeAsync("data-probabilities");
        await page.GetByTestId("sketch-upload").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "hello"u8.ToArray() });
        await Assertions.Expect(page.GetByTestId("sketch-upload-error")).ToContainTextAsync("\"notes.txt\" is not a PNG or JPEG image.");
        await page.GetByTestId("sketch-upload").SetInputFilesAsync(new FilePayload { Name = "huge.png", MimeType = "image/png", Buffer = new byte[6 * 1024 * 1024] });
        await Assertions.Expect(page.GetByTestId("sketch-upload-error")).ToContainTextAsync("\"huge.png\" is 6.0 MB; the limit is 5 MB.");
        await page.GetByTestId("sketch-upload").SetInputFilesAsync(new FilePayload { Name = "fake.png", MimeType = "image/png", Buffer = "not really a png"u8.ToArray() });
        await Assertions.Expect(page.GetByTestId("sketch-upload-error")).ToContainTextAsync("\"fake.png\" could not be read as an image.");
        Assert.Equal(before, await page.GetByTestId("sketch-prediction").GetAttributeAsync("data-probabilities"));
        await Browser.ScreenshotAsync(page, "sketch-upload-refused-light");
        Assert.Empty(consoleErrors);
        Assert.Equal(RunStatus.Completed, app.Store.Get(run.Id)!.Status);
    }
}
