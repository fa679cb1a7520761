using Dashboard.Training;
using Dashboard.Web.Analysis;
using LiteDB;

namespace Dashboard.Web.Storage;

public sealed partial class RunStore
{
    // Only what the analysis reads: a run's epochs, report and confusion matrix are most of its document.
    private static readonly BsonExpression AnalysisFields = BsonExpression.Create(
        "{ _id: $._id, Name: $.Name, CreatedUtc: $.CreatedUtc, Status: $.Status, Config: $.Config, Accuracy: $.Accuracy, MacroF1: $.MacroF1, " +
        "TrainingSeconds: $.TrainingSeconds, Members: COUNT($.EnsembleMembers[*]), Loss: $.Epochs[-1].TestLoss }");

    /// <summary>The newest runs matching <paramref name="filters"/>, at most <paramref name="max"/>, as the analysis views read them.</summary>
    /// <exception cref="ArgumentException">An unknown field or match, or a value of the wrong kind.</exception>
    public IReadOnlyList<AnalysisRun> AnalysisRuns(IReadOnlyList<RunFilter> filters, int max)
    {
        var q = _runs.Query();
        foreach (var condition in filters.Select(ToExpression)) q = q.Where(condition);
        return q.OrderBy(BsonExpression.Create(RunFields.Paths[RunFields.Created]), LiteDB.Query.Descending)
            .Select(AnalysisFields)
            .Limit(Math.Max(0, max))
            .ToEnumerable()
            .Select(ToAnalysisRun)
            .ToList();
    }

    private AnalysisRun ToAnalysisRun(BsonDocument d) => new(
        d["_id"].AsGuid, d["Name"].AsString ?? "", d["CreatedUtc"].AsDateTime.ToUniversalTime(),
        Enum.TryParse<RunStatus>(d["Status"].AsString, out var status) ? status : RunStatus.Failed,
        d["Config"].IsDocument ? _mapper.ToObject<TrainingConfig>(d["Config"].AsDocument) : new TrainingConfig(),
        d["Members"].IsNumber && d["Members"].AsInt32 > 0,
        Number(d["Accuracy"]), Number(d["MacroF1"]), Number(d["Loss"]), Number(d["TrainingSeconds"]));

    private static double? Number(BsonValue value) => value.IsNumber ? value.AsDouble : null;
}
