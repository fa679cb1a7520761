namespace Dashboard.Web.Components.Pages.Sketch;

/// <summary>What the canvas holds and what changed it.</summary>
/// <param name="Gray">Grayscale bytes, row-major: 0 is ink, 255 is paper.</param>
/// <param name="Width">Raster width in pixels.</param>
/// <param name="Height">Raster height in pixels.</param>
/// <param name="Source">stroke, clear, undo, test or upload.</param>
public sealed record CanvasRaster(byte[] Gray, int Width, int Height, string Source);
