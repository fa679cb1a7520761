using Dashboard.Training.Data;
using Dashboard.Training.Evaluation;
using Dashboard.Web.Prediction;
using Dashboard.Web.Storage;
using Dashboard.Web.Torch;
using static TorchSharp.torch;

namespace Dashboard.Web.Evaluation;

/// <summary>
/// A completed run's predictions on the test set: stored when the run finished, or for older runs
/// computed once from its weights and then stored; for an ensemble, the mean softmax of its members.
/// </summary>
public sealed class RunEvaluations(RunStore store, DatasetProvider dataset, ModelCache models, TorchWork torch)
{
    /// <summary>The run's test-set evaluation.</summary>
    /// <exception cref="RunNotFoundException">A member of an ensemble no longer exists.</exception>
    /// <exception cref="RunNotEvaluableException">The run (or a member) is not completed or has no weights.</exception>
    /// <exception cref="DatasetException">It had to be computed and the data set is missing.</exception>
    /// <exception cref="TorchWorkRejectedException">It had to be computed and torch work is saturated (unless <paramref name="waitIfBusy"/>).</exception>
    public async Task<EvaluationResult> GetAsync(Run run, CancellationToken cancellationToken = default, bool waitIfBusy = false)
    {
        if (store.LoadEvaluation(run.Id) is { } stored) return stored;
        EvaluationResult evaluation;
        if (run.IsEnsemble)
        {
            var members = new List<EvaluationResult>();
            foreach (var id in run.EnsembleMembers!)
            {
                var member = store.Get(id) ?? throw new RunNotFoundException(id);
                members.Add(await GetAsync(member, cancellationToken, waitIfBusy));
            }
            evaluation = Ensemble.Combine(members);
        }
        else
        {
            if (run.WhyNotUsableModel("have test-set predictions") is { } why)
                throw new RunNotEvaluableException($"Run {run.Id} ({run.Name}) {why}.");
            var data = await dataset.GetAsync(cancellationToken);
            // Evaluation is CPU-bound (about 1.5 s for the seed CNN on 2 cores): keep it off the request thread,
            // and off the thread pool, whose threads would keep an OpenMP pool that slows training (TorchThread),
            // and within the one limit on torch work (decision 0016).
            cancellationToken.ThrowIfCancellationRequested();
            Func<EvaluationResult> evaluate = () => models.Use(run, model => Evaluator.Evaluate(model, data.TestImages, data.TestLabels, CPU));
            evaluation = waitIfBusy
                ? await torch.RunWhenFreeAsync(evaluate, "evaluation", cancellationToken)
                : await torch.RunAsync(evaluate, "evaluation", cancellationToken);
        }
        if (store.Get(run.Id) is not null) store.SaveEvaluation(run.Id, evaluation);
        return evaluation;
    }
}

/// <summary>The run exists but has no predictions to show or combine (not completed, or no weights).</summary>
public sealed class RunNotEvaluableException(string message) : Exception(message);
