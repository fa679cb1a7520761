namespace Dashboard.Training.Data;

/// <summary>What the data set provider is doing, for a page to show.</summary>
/// <param name="State">The phase.</param>
/// <param name="Message">A sentence for the user: where the data came from, or what to do.</param>
/// <param name="DownloadFraction">0–1 while downloading, else null.</param>
public sealed record DatasetStatus(DatasetState State, string Message, double? DownloadFraction = null);

/// <summary>Phases of locating, downloading and loading the data set.</summary>
public enum DatasetState
{
    /// <summary>Nothing attempted yet.</summary>
    NotLoaded,
    /// <summary>Looking for files and reading them.</summary>
    Loading,
    /// <summary>Fetching the official files.</summary>
    Downloading,
    /// <summary>In memory and ready.</summary>
    Ready,
    /// <summary>The last attempt failed; the message says why and what to do.</summary>
    Failed,
}
