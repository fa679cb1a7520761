namespace Dashboard.Web.Components.Shared;

/// <summary>One cell of a confusion matrix: how many images of class True were predicted as Predicted.</summary>
public sealed record ConfusionCell(int True, int Predicted, int Count);
