using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// Steering over MPI: the simulation ranks publish an open-ended field, read a scale factor and a stop request every
/// step; the analytics watch the per-step sums, set the scale from a step on, then ask the ranks to stop. The sums show
/// that every rank took the scale at the same step (a rank taking it a step late changes that step's sum), and the
/// run's length that every rank stopped at the same step.
/// </summary>
/// <remarks>
/// Arguments: --grid PYxPX, --step-delay MS, --in-flight N (a bound on steps in flight: steering needs analytics that
/// keep up, or each request waits behind the data of every step the simulation ran ahead). Prints SIM (per rank: first
/// scaled step, stop step) and STEERED lines.
/// </remarks>
public static class Steering
{
    private const int Height = 8;
    private const int Width = 6;
    private const int MaxSteps = 5000;
    private const double Scale = 2.0;

    public static int Run(DeisaSession session, string[] args) =>
        session.IsSimulation
            ? Simulate(session, GridField.Grid(args), int.Parse(Program.Arg(args, "--step-delay", "10"), System.Globalization.CultureInfo.InvariantCulture))
            : session.RunAnalytics(Analyse);

    private static int Simulate(DeisaSession session, (int Y, int X) grid, int delay)
    {
        int rank = session.SimulationRank;
        (long y0, long rows) = GridField.Split(Height, grid.Y, rank / grid.X);
        (long x0, long cols) = GridField.Split(Width, grid.X, rank % grid.X);
        double[] block = new double[rows * cols];
        using Bridge bridge = session.CreateBridge();
        bridge.DeclareArray<double>("field", [ArrayDeclaration.OpenEnded, Height, Width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
        int scaledFrom = -1;
        int t = 0;
        for (; t < MaxSteps && !bridge.StopRequested(t); t++)
        {
            double scale = bridge.TryGet("scale", t, out double set) ? set : 1.0;
            if (scale != 1.0 && scaledFrom < 0)
            {
                scaledFrom = t;
            }

            for (long y = 0; y < rows; y++)
            {
                for (long x = 0; x < cols; x++)
                {
                    block[(y * cols) + x] = scale * Value(t, y0 + y, x0 + x);
                }
            }

            bridge.Publish<double>("field", t, block).Wait(TimeSpan.FromSeconds(60));
            Thread.Sleep(delay);
        }

        bridge.Finish();
        Console.WriteLine($"SIM rank={rank} scaled_from={scaledFrom} stopped_at={t}");
        return t < MaxSteps ? 0 : 4;
    }

    private static int Analyse(DeisaClient client)
    {
        DeisaArray field = client.GetArrays()["field"];
        using PersistedArray sums = field.Sum("Y", "X").Persist();
        client.ValidateContract();
        TimeSpan wait = TimeSpan.FromSeconds(60);
        sums.GetTimeChunk(3, wait);

        // Every rank has read "scale" past step 0 by now: the value would reach some ranks late, so it reaches none.
        bool refused = false;
        try
        {
            client.Steer("scale", 0, Scale);
        }
        catch (SteeringTooLateException error)
        {
            refused = error.Message.Contains("every simulation rank had already read 'scale'", StringComparison.Ordinal);
            Program.Check(refused, "steer-too-late-named", error.Message);
        }

        Program.Check(refused, "steer-too-late-refused");

        int scaleAt = SetAhead(step => client.Steer("scale", step, Scale), 4);
        sums.GetTimeChunk(scaleAt + 1, wait);
        int stopAt = SetAhead(client.RequestStop, scaleAt + 2);
        NdArray totals = sums.Result(wait);
        int steps = totals.Shape[0];
        Console.WriteLine($"STEERED scale_at={scaleAt} stop_at={stopAt} steps={steps}");
        bool values = Enumerable.Range(0, steps).All(t => GridField.Close(totals.Data[t], (t >= scaleAt ? Scale : 1.0) * Total(t)));
        Program.Check(values, "steer-scale-same-step-every-rank", $"scale from step {scaleAt}");
        Program.Check(steps == stopAt, "steer-stop-same-step-every-rank", $"{steps} steps, stop at {stopAt}");
        return refused && values && steps == stopAt ? 0 : 3;
    }

    /// <summary>Sets a value a few steps past the last one seen, later each time the ranks had already read that far.</summary>
    private static int SetAhead(Action<int> set, int from)
    {
        int step = from + 8;
        while (true)
        {
            try
            {
                set(step);
                return step;
            }
            catch (SteeringTooLateException)
            {
                step += 16;
            }
        }
    }

    private static double Value(int t, long y, long x) => (100.0 * t) + (10.0 * y) + x;

    private static double Total(int t) => Enumerable.Range(0, Height).Sum(y => Enumerable.Range(0, Width).Sum(x => Value(t, y, x)));
}
