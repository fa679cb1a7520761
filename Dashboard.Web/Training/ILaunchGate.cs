namespace Dashboard.Web.Training;

/// <summary>
/// A rule outside the run itself that can refuse new work for now (the storage cap of Operations). Owned here, so
/// that the training side asks its question without knowing who answers it.
/// </summary>
public interface ILaunchGate
{
    /// <summary>Why new runs are refused now, or null when they are accepted.</summary>
    string? LaunchRefusal();
}
