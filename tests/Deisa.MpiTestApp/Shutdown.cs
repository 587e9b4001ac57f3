using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Coupling;
using Deisa.Core.Graph;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// Scenario 'shutdown': messages that cross a rank's end. Each simulation rank ships a few steps under a bound on
/// steps in flight and finishes; the analytics hold every block until the simulation is surely ending, then let
/// them go, so the workers' release notices (the bound's credits) travel to ranks that already stopped publishing.
/// </summary>
/// <remarks>Arguments: --steps N, --linger MS (how long the analytics hold the blocks after they all arrived).</remarks>
public static class Shutdown
{
    public static void Configure(DeisaMpiOptions options) =>
        options.Backpressure = new BackpressureOptions { MaxStepsInFlight = 64, Policy = BackpressurePolicy.Block };

    public static int Run(DeisaSession session, string[] args)
    {
        int steps = int.Parse(Program.Arg(args, "--steps", "3"), CultureInfo.InvariantCulture);
        int linger = int.Parse(Program.Arg(args, "--linger", "1000"), CultureInfo.InvariantCulture);
        if (session.IsSimulation)
        {
            using Bridge bridge = session.CreateBridge();
            bridge.DeclareArray<double>("field", [steps, 4 * session.Layout.SimulationSize], 0, [4L * session.SimulationRank], [4]);
            double[] block = GC.AllocateArray<double>(4, pinned: true);
            for (int t = 0; t < steps; t++)
            {
                block.AsSpan().Fill(t);
                bridge.Publish<double>("field", t, block).Wait(TimeSpan.FromSeconds(60));
            }

            bridge.Finish();
            Console.WriteLine($"SIM rank={session.SimulationRank} finished");
            return 0;
        }

        return session.RunAnalytics(client =>
        {
            ArrayLayout field = client.GetArrays().Layout("field");
            List<TaskKey> keys = [.. Enumerable.Range(0, steps).SelectMany(t => Enumerable.Range(0, field.BlockGrid[0]).Select(b => field.KeyOf(t, [b])))];
            client.CreateExternal(keys);
            List<Future<object>> blocks = [.. keys.Select(client.GetFuture<object>)];
            client.ValidateContract();
            foreach (Future<object> future in blocks)
            {
                future.WaitAsync().Wait(TimeSpan.FromSeconds(60));
                Program.Check(future.Status == FutureStatus.Finished, "block-arrived", future.Key.ToString());
            }

            // The simulation ranks finish meanwhile: the releases below reach ranks that are shutting down.
            Thread.Sleep(linger);
            foreach (Future<object> future in blocks)
            {
                future.Dispose();
            }

            return 0;
        });
    }
}
