using Dashboard.Training.Data;
using Dashboard.Training.Inference;
using Dashboard.Training.Runtime;
using Dashboard.Web.Events;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Dashboard.Web.Torch;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages.Sketch;

public partial class SketchPage : IDisposable
{
    private IReadOnlyList<Run>? _runs;
    private IReadOnlyCollection<Guid> _selected = [];
    private SketchCanvas? _canvas;
    private CanvasRaster? _raster;
    private SketchImage? _image;
    private EnsemblePrediction? _prediction;
    private string? _error;
    private string? _caption;
    private string? _pendingCaption;
    private string? _uploadError;
    private int _testClass;
    private bool _loadingTestImage;
    private long _sequence;
    private IDisposable? _subscription;

    [Inject] private RunStore Store { get; set; } = null!;
    [Inject] private Predictor Predictor { get; set; } = null!;
    [Inject] private TorchWork Torch { get; set; } = null!;
    [Inject] private RunNotifier Notifier { get; set; } = null!;
    [Inject] private DatasetProvider Dataset { get; set; } = null!;

    protected override void OnInitialized()
    {
        LoadRuns();
        _subscription = Notifier.Subscribe(e =>
        {
            if (e is RunFinished { Status: RunStatus.Completed } or RunDeleted)
                _ = InvokeAsync(async () =>
                {
                    LoadRuns();
                    await PredictAsync();
                    StateHasChanged();
                });
        });
    }

    private void LoadRuns()
    {
        var page = Store.Query(new RunQuery
        {
            Take = 500,
            SortBy = RunFields.Accuracy,
            Descending = true,
            Filters = [new RunFilter(RunFields.Status, FilterMatch.Equal, RunStatus.Completed)],
        });
        _runs = page.Items.Where(r => r.IsUsableModel).ToList();
        _selected = SketchSelection.KeepOrDefault(_runs, _selected);
    }

    private async Task OnRasterAsync(CanvasRaster raster)
    {
        _raster = raster;
        _caption = raster.Source switch
        {
            "test" => _pendingCaption,
            "upload" => "Your photo, drawn onto the canvas.",
            _ => null,
        };
        if (raster.Source != "upload") _uploadError = null;
        await PredictAsync();
    }

    private async Task OnSelectionChangedAsync(IEnumerable<Guid> values)
    {
        _selected = values.ToList();
        await PredictAsync();
    }

    private void OnUploadRejected(string message) => _uploadError = message;

    /// <summary>Preprocesses the latest raster and predicts with the selected runs; a result overtaken by a newer drawing is dropped.</summary>
    private async Task PredictAsync()
    {
        if (_raster is not { } raster) return;
        var sequence = ++_sequence;
        var selected = _selected.ToList();
        SketchImage image;
        try
        {
            image = SketchPreprocessor.Preprocess(raster.Gray, raster.Width, raster.Height);
        }
        catch (ArgumentException e)
        {
            Show(null, null, e.Message);
            return;
        }
        if (image.IsEmpty)
        {
            Show(image, null, null);
            return;
        }
        if (selected.Count == 0)
        {
            Show(image, null, "Pick at least one model.");
            return;
        }
        if (selected.Count > Predictor.MaxRuns)
        {
            Show(image, null, $"An ensemble has at most {Predictor.MaxRuns} runs; {selected.Count} are selected.");
            return;
        }
        try
        {
            var pixels = image.Pixels.Select(b => (float)b).ToArray();
            var prediction = await Torch.RunAsync(() => Predictor.Predict(selected, pixels), "prediction");
            if (sequence == _sequence) Show(image, prediction, null);
        }
        catch (TorchWorkRejectedException e)
        {
            if (sequence == _sequence) Show(image, null, e.Message);
        }
        catch (Exception e) when (e is RunNotFoundException or RunNotPredictableException or InvalidOperationException)
        {
            if (sequence != _sequence) return;
            Show(image, null, e.Message);
            LoadRuns();
        }
    }

    private void Show(SketchImage? image, EnsemblePrediction? prediction, string? error)
    {
        _image = image;
        _prediction = prediction;
        _error = error;
    }

    private async Task TryTestImageAsync()
    {
        if (_canvas is null) return;
        _loadingTestImage = true;
        try
        {
            var data = await Dataset.GetAsync();
            var (index, pixels) = SketchSelection.RandomTestImage(data, _testClass, Random.Shared);
            _pendingCaption = $"Test image #{index}, labelled {FashionMnist.ClassNames[_testClass]}.";
            await _canvas.LoadPixelsAsync(pixels);
        }
        catch (DatasetException e)
        {
            _uploadError = e.Message;
        }
        finally
        {
            _loadingTestImage = false;
        }
    }

    private string SelectionText(IReadOnlyList<string> values) =>
        values.Count switch
        {
            0 => "",
            1 => RunLabel(values[0]),
            _ => $"Ensemble of {values.Count}: " + string.Join(", ", values.Select(v => RunName(v))),
        };

    private string RunLabel(string id) => _runs?.FirstOrDefault(r => r.Id.ToString() == id) is { } run ? RunLabel(run) : "";

    private string RunName(string id) => _runs?.FirstOrDefault(r => r.Id.ToString() == id)?.Name ?? "";

    private static string RunLabel(Run run) =>
        run.Accuracy is { } accuracy ? $"{run.Name} · {accuracy.ToString("P1", System.Globalization.CultureInfo.InvariantCulture)}" : run.Name;

    public void Dispose() => _subscription?.Dispose();
}
