using System.Globalization;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>The simulation side the array scenarios share: a [t, Y, X] field on a 2D process grid of unequal blocks.</summary>
public static class GridField
{
    /// <summary>Parses --grid PYxPX (default 2x1).</summary>
    public static (int Y, int X) Grid(string[] args)
    {
        string[] grid = Program.Arg(args, "--grid", "2x1").Split('x');
        return (int.Parse(grid[0], CultureInfo.InvariantCulture), int.Parse(grid[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Declares "field" and publishes this rank's block of every step, filled from <paramref name="value"/>(t, y, x).</summary>
    public static int Publish(DeisaSession session, (int Y, int X) grid, int steps, int height, int width, Func<int, long, long, double> value)
    {
        int rank = session.SimulationRank;
        (long y0, long rows) = Split(height, grid.Y, rank / grid.X);
        (long x0, long cols) = Split(width, grid.X, rank % grid.X);
        double[] block = new double[rows * cols];
        using Bridge bridge = session.CreateBridge();
        bridge.DeclareArray<double>("field", [steps, height, width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
        for (int t = 0; t < steps; t++)
        {
            for (long y = 0; y < rows; y++)
            {
                for (long x = 0; x < cols; x++)
                {
                    block[(y * cols) + x] = value(t, y0 + y, x0 + x);
                }
            }

            bridge.Publish<double>("field", t, block).Wait(TimeSpan.FromSeconds(60));
        }

        bridge.Finish();
        return 0;
    }

    /// <summary>Whether a sum computed by the analytics matches the formula's, to within rounding.</summary>
    public static bool Close(double actual, double expected) => Math.Abs(actual - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected));

    /// <summary>Splits <paramref name="size"/> into <paramref name="parts"/> near-equal blocks: the start and size of block <paramref name="index"/>.</summary>
    public static (long Start, long Count) Split(long size, int parts, int index)
    {
        long baseCount = size / parts;
        long extra = size % parts;
        return ((index * baseCount) + Math.Min(index, extra), baseCount + (index < extra ? 1 : 0));
    }
}
