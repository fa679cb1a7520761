namespace Dashboard.Training;

/// <summary>Default locations of the Dashboard's own files.</summary>
public static class DashboardPaths
{
    /// <summary>Environment variable that moves every default data location.</summary>
    public const string DataRootVariable = "DASHBOARD_DATA";

    /// <summary>
    /// Root of the app's data folder: <c>$DASHBOARD_DATA</c>, else the user's local application data
    /// (<c>~/.local/share/dashboard</c> on Linux). Never the working directory.
    /// </summary>
    public static string DataRoot =>
        Environment.GetEnvironmentVariable(DataRootVariable) is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "dashboard");
}
