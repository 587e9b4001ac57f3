namespace Deisa.Heat2D.Simulation;

/// <summary>Where one simulation rank sits in the rows × cols process grid, its block and its neighbours.</summary>
/// <param name="Rank">The simulation rank, row-major over the grid.</param>
/// <param name="Rows">Process rows.</param>
/// <param name="Cols">Process columns.</param>
/// <param name="Height">Global interior rows.</param>
/// <param name="Width">Global interior columns.</param>
internal readonly record struct Decomposition(int Rank, int Rows, int Cols, int Height, int Width)
{
    /// <summary>The neighbour that does not exist, at the global border.</summary>
    public const int None = -1;

    public int Py => Rank / Cols;

    public int Px => Rank % Cols;

    public int BlockHeight => Height / Rows;

    public int BlockWidth => Width / Cols;

    public int Y0 => Py * BlockHeight;

    public int X0 => Px * BlockWidth;

    /// <summary>Gets the rank above (row y − 1), or <see cref="None"/>.</summary>
    public int North => Py > 0 ? Rank - Cols : None;

    public int South => Py < Rows - 1 ? Rank + Cols : None;

    public int West => Px > 0 ? Rank - 1 : None;

    public int East => Px < Cols - 1 ? Rank + 1 : None;
}
