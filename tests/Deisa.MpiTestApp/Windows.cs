using System.Collections.Concurrent;
using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Streaming;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// Window callbacks over MPI: the simulation ranks publish three arrays each step; the analytics register one callback
/// over the last 3 steps of the top half of "temperature" and the latest of every other step of "pressure", and never
/// read "unread". Each call's sums are checked against the formula that fills the arrays (the dense computation of
/// the same windows), and the shipping counts show that only the registered arrays, steps and regions travelled.
/// </summary>
/// <remarks>
/// Arguments: --grid PYxPX (the rows must split evenly in two halves of blocks), --steps N, --when all|any. Prints
/// CALLS (the steps called, in order) and, per simulation rank, STATS shipped=N.
/// </remarks>
public static class Windows
{
    private const int Height = 8;
    private const int Width = 6;

    public static int Run(DeisaSession session, string[] args)
    {
        int steps = int.Parse(Program.Arg(args, "--steps", "12"), CultureInfo.InvariantCulture);
        WindowTrigger when = Program.Arg(args, "--when", "all") == "any" ? WindowTrigger.Any : WindowTrigger.All;
        return session.IsSimulation
            ? Simulate(session, GridField.Grid(args), steps)
            : session.RunAnalytics(client => Analyse(client, steps, when));
    }

    private static int Simulate(DeisaSession session, (int Y, int X) grid, int steps)
    {
        int rank = session.SimulationRank;
        (long y0, long rows) = GridField.Split(Height, grid.Y, rank / grid.X);
        (long x0, long cols) = GridField.Split(Width, grid.X, rank % grid.X);
        using Bridge bridge = session.CreateBridge();
        string[] names = ["temperature", "pressure", "unread"];
        var blocks = names.ToDictionary(n => n, _ => new double[rows * cols]);
        foreach (string name in names)
        {
            bridge.DeclareArray<double>(name, [steps, Height, Width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
        }

        for (int t = 0; t < steps; t++)
        {
            foreach (string name in names)
            {
                double[] block = blocks[name];
                for (long y = 0; y < rows; y++)
                {
                    for (long x = 0; x < cols; x++)
                    {
                        block[(y * cols) + x] = Value(name, t, y0 + y, x0 + x);
                    }
                }

                bridge.Publish<double>(name, t, block).Wait(TimeSpan.FromSeconds(60));
            }
        }

        bridge.Finish();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STATS rank={rank} shipped={bridge.Statistics.BlocksShipped}"));
        return 0;
    }

    private static int Analyse(DeisaClient client, int steps, WindowTrigger when)
    {
        DeisaArrays arrays = client.GetArrays();
        DeisaArray top = arrays["temperature"][.., ..(Height / 2), ..];
        DeisaArray pressure = arrays["pressure"][Slice.Every(2), .., ..];
        var called = new ConcurrentQueue<int>();
        bool ok = true;
        using WindowRegistration registration = client.Register(
            step =>
            {
                called.Enqueue(step.Step);
                double temperature = step[0].Sum().Compute().Data[0];
                double expectedTemperature = step.StepsOf(0).Sum(t => Total("temperature", t, Height / 2));
                double pressureSum = step[1].Sum().Compute().Data[0];
                double expectedPressure = step.StepsOf(1).Sum(t => Total("pressure", t, Height));
                bool windows = step.StepsOf(0).SequenceEqual(Enumerable.Range(Math.Max(0, step.Step - 2), Math.Min(3, step.Step + 1)))
                    && step.StepsOf(1).SequenceEqual([step.Step - (step.Step % 2)]);
                bool same = GridField.Close(temperature, expectedTemperature) && GridField.Close(pressureSum, expectedPressure) && windows;
                if (!same)
                {
                    Program.Check(false, $"window-{step.Step}", string.Create(CultureInfo.InvariantCulture,
                        $"temperature {temperature} expected {expectedTemperature} over [{string.Join(",", step.StepsOf(0))}], pressure {pressureSum} expected {expectedPressure} over [{string.Join(",", step.StepsOf(1))}]"));
                    ok = false;
                }
            },
            [new Window(top, 3), new Window(pressure, 1)],
            new WindowCallbackOptions { Name = "sums", Trigger = when });
        client.ValidateContract();
        registration.Wait(TimeSpan.FromSeconds(120));
        Console.WriteLine($"CALLS {string.Join(",", called)}");
        int[] expected = [.. Enumerable.Range(0, steps).Where(t => when == WindowTrigger.Any || t % 2 == 0)];
        bool order = called.SequenceEqual(expected);
        Program.Check(ok, "window-sums-match-dense");
        Program.Check(order, "window-calls-in-step-order", string.Join(",", called));
        return ok && order ? 0 : 3;
    }

    private static double Value(string name, int t, long y, long x) => (100.0 * t) + (10.0 * y) + x + (name == "pressure" ? 0.5 : name == "unread" ? 7 : 0);

    private static double Total(string name, int t, int rows) => Enumerable.Range(0, rows).Sum(y => Enumerable.Range(0, Width).Sum(x => Value(name, t, y, x)));
}
