using Dashboard.Web.Storage;
using LiteDB;

namespace Dashboard.Web.Studies;

/// <summary>Studies in the "studies" collection of the runs' database: one LiteDB file, opened once per process.</summary>
public sealed class StudyStore
{
    private const string Collection = "studies";
    private readonly RunStore _runs;

    public StudyStore(RunStore runs)
    {
        _runs = runs;
        Write(studies => studies.EnsureIndex(s => s.CreatedUtc));
    }

    // Asked for at each use: the run store reopens the database after a write fails on a full disk.
    private ILiteCollection<Study> Studies => _runs.GetCollection<Study>(Collection);

    // Through the store's rule for writes: on a full disk nothing is kept, the database is reopened and DiskFullException thrown.
    private T Write<T>(Func<ILiteCollection<Study>, T> work) => _runs.WriteTo(Collection, work);

    /// <exception cref="DiskFullException">The disk was full; the study was not stored.</exception>
    public void Insert(Study study) => Write(studies => studies.Insert(study));

    public Study? Get(Guid id) => Studies.FindById(id);

    /// <summary>Replaces the stored study (a halving study's rung results and decisions: only <see cref="HalvingCoordinator"/> writes them, one at a time).</summary>
    public bool Update(Study study) => Write(studies => studies.Update(study));

    public IReadOnlyList<Study> List() => Studies.Query().OrderByDescending(s => s.CreatedUtc).ToList();

    public bool Delete(Guid id) => Write(studies => studies.Delete(id));

    /// <summary>The study with its runs, read now; null if there is no such study.</summary>
    public StudyView? View(Guid id) => Get(id) is { } study ? View(study) : null;

    // By id rather than by StudyId: a run is tagged with its study just after it is queued.
    public StudyView View(Study study) =>
        new(study, study.Members.Select(m => _runs.Get(m.RunId)).OfType<Run>().ToDictionary(r => r.Id));
}
