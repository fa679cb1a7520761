using Dashboard.Training.Data;
using Dashboard.Training.Inference;
using Dashboard.Web.Storage;

namespace Dashboard.Web.Prediction;

/// <summary>
/// Classifies one 28×28 image with one or several completed runs: each run's softmax and, for an
/// ensemble, their mean. The API, the Sketch page and the benchmark all come through here.
/// </summary>
public sealed class Predictor(RunStore store, ModelCache cache)
{
    /// <summary>Most runs in one ensemble.</summary>
    public const int MaxRuns = 8;

    /// <summary>Looks the runs up; throws when one is unknown or cannot predict.</summary>
    /// <exception cref="RunNotFoundException">No run has one of the ids.</exception>
    /// <exception cref="RunNotPredictableException">A run is not completed or has no weights.</exception>
    public IReadOnlyList<Run> FindRuns(IReadOnlyList<Guid> runIds)
    {
        var runs = new List<Run>(runIds.Count);
        foreach (var id in runIds)
        {
            var run = store.Get(id) ?? throw new RunNotFoundException(id);
            if (run.WhyNotUsableModel("can predict") is { } why)
                throw new RunNotPredictableException(run, $"Run {id} ({run.Name}) {why}.");
            // An ensemble predicts through its members, which must all still be usable.
            foreach (var memberId in run.EnsembleMembers ?? [])
            {
                var member = store.Get(memberId)
                    ?? throw new RunNotPredictableException(run, $"Ensemble {id} ({run.Name}) has a member that was deleted ({memberId}).");
                if (member.WhyNotUsableModel("can predict") is { } memberWhy)
                    throw new RunNotPredictableException(run, $"Ensemble {id} ({run.Name}) has a member that cannot predict: “{member.Name}” {memberWhy}.");
            }
            runs.Add(run);
        }
        return runs;
    }

    /// <summary>Predicts with runs already looked up by <see cref="FindRuns"/>.</summary>
    /// <param name="runs">1 to <see cref="MaxRuns"/> completed runs.</param>
    /// <param name="pixels">784 values, 0–255, light item on black (the data set's own form).</param>
    /// <exception cref="ArgumentException">No runs, too many, or invalid pixels.</exception>
    public EnsemblePrediction Predict(IReadOnlyList<Run> runs, ReadOnlySpan<float> pixels)
    {
        if (runs.Count is 0 or > MaxRuns)
            throw new ArgumentException($"Give between 1 and {MaxRuns} runs (got {runs.Count}).", nameof(runs));
        var input = pixels.ToArray();
        var members = new List<RunPrediction>(runs.Count);
        foreach (var run in runs)
        {
            var probabilities = Probabilities(run, input);
            members.Add(new RunPrediction(run.Id, run.Name, run.Accuracy, ClassScores.From(probabilities)));
        }
        var ensemble = members.Count == 1
            ? members[0].Scores
            : ClassScores.From(Classifier.Mean(members.Select(m => m.Scores.Probabilities).ToList()));
        return new EnsemblePrediction(members, ensemble);
    }

    private float[] Probabilities(Run run, float[] input)
    {
        if (!run.IsEnsemble) return cache.Use(run, model => Classifier.Probabilities(model, input));
        var members = run.EnsembleMembers!
            .Select(id => store.Get(id) ?? throw new RunNotPredictableException(run, $"Ensemble {run.Id} ({run.Name}) has a member that was deleted ({id})."))
            .Select(member => cache.Use(member, model => Classifier.Probabilities(model, input)))
            .ToList();
        return Classifier.Mean(members);
    }

    /// <summary>Looks the runs up and predicts.</summary>
    /// <exception cref="RunNotFoundException">No run has one of the ids.</exception>
    /// <exception cref="RunNotPredictableException">A run is not completed or has no weights.</exception>
    /// <exception cref="ArgumentException">No runs, too many, or invalid pixels.</exception>
    public EnsemblePrediction Predict(IReadOnlyList<Guid> runIds, ReadOnlySpan<float> pixels) => Predict(FindRuns(runIds), pixels);
}

/// <summary>Probabilities of the 10 classes and the most likely one.</summary>
public sealed record ClassScores(float[] Probabilities, int TopClass, string TopClassName, float TopProbability)
{
    public static ClassScores From(float[] probabilities)
    {
        var top = Classifier.TopClass(probabilities);
        return new ClassScores(probabilities, top, FashionMnist.ClassNames[top], probabilities[top]);
    }
}

/// <summary>What one run predicted.</summary>
public sealed record RunPrediction(Guid RunId, string Name, double? Accuracy, ClassScores Scores);

/// <summary>Each run's prediction and their mean (the same as the only member's when there is one).</summary>
public sealed record EnsemblePrediction(IReadOnlyList<RunPrediction> Runs, ClassScores Ensemble);

/// <summary>No run has the id.</summary>
public sealed class RunNotFoundException(Guid runId) : Exception($"No run has the id {runId}.")
{
    public Guid RunId { get; } = runId;
}

/// <summary>The run exists but cannot predict (not completed, or no weights).</summary>
public sealed class RunNotPredictableException(Run run, string message) : Exception(message)
{
    public Run Run { get; } = run;
}
