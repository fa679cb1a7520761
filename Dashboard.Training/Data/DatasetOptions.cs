using System.ComponentModel.DataAnnotations;

namespace Dashboard.Training.Data;

/// <summary>Where Fashion-MNIST is looked for and where it is downloaded to. Bound from the "Dataset" section.</summary>
public sealed class DatasetOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Dataset";

    /// <summary>Environment variable that overrides <see cref="Directory"/>.</summary>
    public const string DirectoryVariable = "FASHION_MNIST_DIR";

    /// <summary>Directory searched first and where downloads go.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = Path.Combine(DashboardPaths.DataRoot, "fashion-mnist");

    /// <summary>
    /// Directories searched after <see cref="Directory"/>; null means <see cref="DefaultSystemDirectories"/>.
    /// (A list default would be appended to by configuration binding, not replaced.)
    /// </summary>
    public string[]? SystemDirectories { get; set; }

    /// <summary>Where Debian's package dataset-fashion-mnist installs the files.</summary>
    public static IReadOnlyList<string> DefaultSystemDirectories { get; } = ["/usr/share/datasets/fashion-mnist"];

    /// <summary>Every directory searched, in order.</summary>
    public IEnumerable<string> SearchOrder => new[] { EffectiveDirectory }.Concat(SystemDirectories ?? DefaultSystemDirectories);

    /// <summary>Whether to download the official files when no directory holds all four.</summary>
    public bool AllowDownload { get; set; } = true;

    /// <summary>Base address of the official gzip files (each is <c>&lt;base&gt;&lt;name&gt;.gz</c>).</summary>
    [Required, Url]
    public string DownloadBaseUrl { get; set; } = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /// <summary>The directory to use, with the environment variable taking precedence.</summary>
    public string EffectiveDirectory =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : Directory;
}
