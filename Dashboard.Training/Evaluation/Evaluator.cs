using TorchSharp;
using static TorchSharp.torch;

namespace Dashboard.Training.Evaluation;

/// <summary>Runs a model over a labelled set in evaluation mode without gradients.</summary>
public static class Evaluator
{
    /// <summary>
    /// Mean cross-entropy, predicted classes and softmax probabilities of every image. The cancellation token is checked
    /// before each batch of images: a cancel throws <see cref="OperationCanceledException"/> within one batch.
    /// </summary>
    public static EvaluationResult Evaluate(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels, Device device, int batchSize = 1000, CancellationToken cancellationToken = default)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var n = (int)images.shape[0];
            var predictions = new int[n];
            var probabilities = new float[n * Data.FashionMnist.ClassCount];
            double lossSum = 0;
            for (var start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var count = Math.Min(batchSize, n - start);
                var x = images.narrow(0, start, count).to(device);
                var y = labels.narrow(0, start, count).to(device);
                var logits = model.call(x);
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                var probs = nn.functional.softmax(logits, 1).cpu();
                probs.data<float>().CopyTo(probabilities.AsSpan(start * Data.FashionMnist.ClassCount, count * Data.FashionMnist.ClassCount));
                var predicted = logits.argmax(1).to_type(ScalarType.Int32).cpu();
                predicted.data<int>().CopyTo(predictions.AsSpan(start, count));
            }
            var truth = labels.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
            var correct = 0;
            for (var i = 0; i < n; i++) if (predictions[i] == truth[i]) correct++;
            return new EvaluationResult(lossSum / n, (double)correct / n, truth, predictions, probabilities);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}

/// <summary>What an evaluation pass found.</summary>
/// <param name="MeanLoss">Mean cross-entropy.</param>
/// <param name="Accuracy">Fraction correct.</param>
/// <param name="Truth">True labels.</param>
/// <param name="Predictions">Predicted labels (argmax).</param>
/// <param name="Probabilities">Softmax outputs, row-major [N, classes].</param>
public sealed record EvaluationResult(double MeanLoss, double Accuracy, int[] Truth, int[] Predictions, float[] Probabilities)
{
    /// <summary>The confusion matrix of these predictions.</summary>
    public ConfusionMatrix ToConfusionMatrix() => ConfusionMatrix.From(Truth, Predictions, Data.FashionMnist.ClassCount);
}
