namespace Deisa.Heat2D;

/// <summary>The fixed, small configuration of the in-process demo.</summary>
/// <param name="Height">Global rows.</param>
/// <param name="Width">Global columns.</param>
/// <param name="BlocksY">Blocks along rows (simulated ranks in y).</param>
/// <param name="BlocksX">Blocks along columns (simulated ranks in x).</param>
/// <param name="Steps">Published time steps.</param>
/// <param name="Inner">Stencil iterations per published step.</param>
/// <param name="Workers">Analytics workers.</param>
public sealed record DemoSettings(int Height = 64, int Width = 64, int BlocksY = 2, int BlocksX = 2, int Steps = 20, int Inner = 10, int Workers = 2);
