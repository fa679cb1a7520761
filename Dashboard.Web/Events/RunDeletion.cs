using Dashboard.Web.Storage;

namespace Dashboard.Web.Events;

/// <summary>The one rule for removing a run: delete it from the store, then tell every page and client that it is gone.</summary>
public static class RunDeletion
{
    /// <summary>Deletes a run that is not running (with its weights) and publishes <see cref="RunDeleted"/> when it was deleted.</summary>
    public static DeleteOutcome DeleteAndAnnounce(this RunNotifier notifier, RunStore store, Guid id)
    {
        var outcome = store.Delete(id);
        if (outcome == DeleteOutcome.Deleted) notifier.Publish(new RunDeleted(id));
        return outcome;
    }
}
