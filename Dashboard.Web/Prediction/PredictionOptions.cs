using System.ComponentModel.DataAnnotations;

namespace Dashboard.Web.Prediction;

/// <summary>Settings of the prediction service. Bound from the "Prediction" section.</summary>
public sealed class PredictionOptions
{
    public const string Section = "Prediction";

    /// <summary>
    /// Models kept loaded; the least recently used is evicted beyond this. Ensemble members count one each: an
    /// ensemble larger than this loads members again on every prediction rather than holding more models.
    /// </summary>
    [Range(1, 64)]
    public int CacheCapacity { get; set; } = 8;
}
