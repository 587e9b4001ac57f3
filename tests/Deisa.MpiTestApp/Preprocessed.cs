using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Coupling;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// Preprocessing on the producer over MPI: every simulation rank publishes "field" and derives "field_coarse" from it
/// with a downsample by 2, computed on the rank. The analytics read either the derived array or the same selection
/// of the published one (<c>field[.., ::2, ::2]</c>) and persist the sum of each step; both print the sums' bits, so a
/// test compares them, and each rank prints what it shipped.
/// </summary>
/// <remarks>
/// Arguments: --grid PYxPX (unequal blocks of a 9x7 field, odd starts included), --steps N, --read coarse|sliced,
/// --unregistered-on R (simulation rank R does not register the operation: its declaration fails). Even ranks publish
/// a contiguous block, odd ranks the interior of a field with ghost cells. The simulation waits for its contract
/// before its first step, so that no block is staged and the counts are exact. Prints SUMS (hex bits per step),
/// SHAPE of the array read, and per simulation rank STATS shipped=N bytes=N derived=N.
/// </remarks>
public static class Preprocessed
{
    private const int Height = 9;
    private const int Width = 7;

    public static int Run(DeisaSession session, string[] args)
    {
        int steps = int.Parse(Program.Arg(args, "--steps", "6"), CultureInfo.InvariantCulture);
        int unregistered = int.Parse(Program.Arg(args, "--unregistered-on", "-1"), CultureInfo.InvariantCulture);
        return session.IsSimulation
            ? Simulate(session, GridField.Grid(args), steps, unregistered)
            : session.RunAnalytics(client => Analyse(client, steps, Program.Arg(args, "--read", "coarse") == "coarse"));
    }

    public static double Value(int t, long y, long x) => (1000.0 * t) + (10.0 * y) + x + 0.25;

    private static int Simulate(DeisaSession session, (int Y, int X) grid, int steps, int unregistered)
    {
        int rank = session.SimulationRank;
        (long y0, long rows) = GridField.Split(Height, grid.Y, rank / grid.X);
        (long x0, long cols) = GridField.Split(Width, grid.X, rank % grid.X);
        using Bridge bridge = session.CreateBridge();
        bridge.DeclareArray<double>("field", [steps, Height, Width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
        if (rank != unregistered)
        {
            bridge.RegisterPreprocessing(Preprocessing.Downsample(2));
        }

        bridge.DeclareDerived("field_coarse", "field", "downsample");
        bridge.WaitForContract();
        bool ghosts = rank % 2 == 1;
        long stride = ghosts ? cols + 2 : cols;
        double[] block = new double[ghosts ? (rows + 2) * stride : rows * cols];
        for (int t = 0; t < steps; t++)
        {
            long origin = ghosts ? stride + 1 : 0;
            for (long y = 0; y < rows; y++)
            {
                for (long x = 0; x < cols; x++)
                {
                    block[origin + (y * stride) + x] = Value(t, y0 + y, x0 + x);
                }
            }

            PublishHandle sent = ghosts ? bridge.PublishInterior<double>("field", t, block, ghost: 1) : bridge.Publish<double>("field", t, block);
            sent.Wait(TimeSpan.FromSeconds(60));
        }

        bridge.Finish();
        BridgeStatistics stats = bridge.Statistics;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STATS rank={rank} shipped={stats.BlocksShipped} bytes={stats.BytesShipped} derived={stats.BlocksDerived}"));
        return 0;
    }

    private static int Analyse(DeisaClient client, int steps, bool coarse)
    {
        DeisaArrays arrays = client.GetArrays();
        DeisaArray read = coarse ? arrays["field_coarse"] : arrays["field"][.., Slice.Every(2), Slice.Every(2)];
        Console.WriteLine($"SHAPE {string.Join("x", read.Shape)}");
        using PersistedArray sums = read.Sum("Y", "X").Persist();
        client.ValidateContract();
        NdArray result = sums.Result(TimeSpan.FromSeconds(120));
        double[] expected = [.. Enumerable.Range(0, steps).Select(t =>
            Enumerable.Range(0, Height).Where(y => y % 2 == 0).Sum(y => Enumerable.Range(0, Width).Where(x => x % 2 == 0).Sum(x => Value(t, y, x))))];
        bool ok = result.Data.Length == steps && Enumerable.Range(0, steps).All(t => GridField.Close(result.Data[t], expected[t]));
        Console.WriteLine($"SUMS {string.Join(",", result.Data.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16", CultureInfo.InvariantCulture)))}");
        Program.Check(ok, "preprocessed-sums-match-formula", string.Join(",", result.Data));
        return ok ? 0 : 3;
    }
}
