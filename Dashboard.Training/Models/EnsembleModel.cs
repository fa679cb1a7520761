using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

// Field names are the checkpoint keys.
#pragma warning disable IDE1006

namespace Dashboard.Training.Models;

/// <summary>
/// Several trained models as one: the output is the logarithm of the members' mean softmax, so that
/// softmax of the output is exactly that mean (up to float rounding) and code written for one model
/// (the evaluator, the sketch classifier) works unchanged. Owns and disposes its members.
/// </summary>
public sealed class EnsembleModel : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> members;

    /// <summary>An ensemble of trained <paramref name="models"/> (at least one).</summary>
    public EnsembleModel(IReadOnlyList<Module<Tensor, Tensor>> models) : base(nameof(EnsembleModel))
    {
        if (models.Count == 0) throw new ArgumentException("An ensemble needs at least one member.", nameof(models));
        members = ModuleList(models.ToArray());
        RegisterComponents();
    }

    /// <summary>Number of members.</summary>
    public int Count => members.Count;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        foreach (var member in members)
        {
            var p = functional.softmax(member.call(input), 1);
            sum = sum is null ? p : sum.add_(p);
        }
        // The floor keeps the output finite where every member gives a class zero probability (float underflow).
        return sum!.div_(members.Count).clamp_min_(Evaluation.Ensemble.ProbabilityFloor).log_().MoveToOuterDisposeScope();
    }
}
