using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// An open-ended run over MPI: the simulation ranks declare a [t, Y, X] field without an end, publish a number of
/// steps simulation rank 0 draws at run time (told to the others, never to the analytics), and finish; the analytics
/// stream a series over space, take the mean over time and its time derivative's mean, and check them against the
/// formula over the steps the run had.
/// </summary>
/// <remarks>Arguments: --grid PYxPX. Prints RUN (simulation) and OPEN (analytics) lines with the number of steps.</remarks>
public static class OpenRun
{
    private const int Height = 9;
    private const int Width = 6;

    public static int Run(DeisaSession session, string[] args) =>
        session.IsSimulation ? Publish(session, GridField.Grid(args)) : session.RunAnalytics(Analyse);

    private static int Publish(DeisaSession session, (int Y, int X) grid)
    {
        // The run's length is the simulation's own business: drawn on one rank, agreed by all, told to nobody else.
        int steps = session.SimulationRank == 0 ? 4 + Random.Shared.Next(9) : 0;
        session.SimulationCommunicator!.Broadcast(ref steps, 0);

        int rank = session.SimulationRank;
        (long y0, long rows) = GridField.Split(Height, grid.Y, rank / grid.X);
        (long x0, long cols) = GridField.Split(Width, grid.X, rank % grid.X);
        double[] block = new double[rows * cols];
        using Bridge bridge = session.CreateBridge();
        bridge.DeclareArray<double>("field", [ArrayDeclaration.OpenEnded, Height, Width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
        for (int t = 0; t < steps; t++)
        {
            for (long y = 0; y < rows; y++)
            {
                for (long x = 0; x < cols; x++)
                {
                    block[(y * cols) + x] = Value(t, y0 + y, x0 + x);
                }
            }

            bridge.Publish<double>("field", t, block).Wait(TimeSpan.FromSeconds(60));
        }

        bridge.Finish();
        Console.WriteLine($"RUN rank={rank} steps={steps}");
        return 0;
    }

    /// <summary>Not linear in t, so that a mean over the wrong number of steps, or of the wrong steps, shows.</summary>
    private static double Value(int t, long y, long x) => Math.Sin((0.7 * t) + (0.3 * y)) * (10 + x) + (t * t * 0.01);

    private static int Analyse(DeisaClient client)
    {
        DeisaArray field = client.GetArrays()["field"];
        bool ok = field.IsOpenEnded && field.Shape[0] == ArrayDeclaration.OpenEnded;
        Program.Check(ok, "open-declared", field.ToString());

        using PersistedArray series = field.Sum("Y", "X").Persist();
        using PersistedArray mean = field.Mean("t").Persist();
        using PersistedArray drift = field.Diff("t").Mean("t").Persist();
        client.ValidateContract();

        // The first step streams before the run ends: nothing waits for Finish.
        NdArray first = series.GetTimeChunk(0, TimeSpan.FromSeconds(60));
        Program.Check(GridField.Close(first.Data[0], Total(0)), "open-first-step", $"{first.Data[0]}");

        NdArray totals = series.Result(TimeSpan.FromSeconds(60));
        int steps = totals.Shape[0];
        Console.WriteLine($"OPEN steps={steps}");
        bool seriesOk = Enumerable.Range(0, steps).All(t => GridField.Close(totals.Data[t], Total(t)));
        Program.Check(seriesOk, "open-series", $"steps {steps}");

        NdArray means = mean.Result(TimeSpan.FromSeconds(60));
        bool meanOk = means.Shape.SequenceEqual([Height, Width]);
        NdArray drifts = drift.Result(TimeSpan.FromSeconds(60));
        bool driftOk = drifts.Shape.SequenceEqual([Height, Width]);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                meanOk &= GridField.Close(means[y, x], Enumerable.Range(0, steps).Average(t => Value(t, y, x)));
                driftOk &= GridField.Close(drifts[y, x], Enumerable.Range(0, steps - 1).Average(t => Value(t + 1, y, x) - Value(t, y, x)));
            }
        }

        Program.Check(meanOk, "open-mean-over-time", $"over {steps} steps");
        Program.Check(driftOk, "open-diff-mean-over-time", $"over {steps - 1} differences");
        return ok && seriesOk && meanOk && driftOk ? 0 : 3;
    }

    private static double Total(int t) => Enumerable.Range(0, Height).Sum(y => Enumerable.Range(0, Width).Sum(x => Value(t, y, x)));
}
