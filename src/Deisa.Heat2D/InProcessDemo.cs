using System.Diagnostics;
using System.Globalization;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Heat2D;

/// <summary>
/// The in-process demo: a 2D heat simulation publishes its blocks as external data, step by step, while analytics
/// declared once over all steps (the mean temperature of each step and its time derivative) run on the workers.
/// </summary>
public static class InProcessDemo
{
    /// <summary>Runs the demo and prints the results.</summary>
    /// <param name="settings">The configuration.</param>
    /// <param name="output">Where results go.</param>
    /// <returns>0 on success, 1 when an analytics task failed.</returns>
    public static int Run(DemoSettings settings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        using DeisaRuntime runtime = DeisaRuntime.StartInProcess(settings.Workers, new RuntimeOptions { Operations = DemoOperations.Registry });
        DeisaClient client = runtime.Client;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Deisa in-process demo: 2D heat {settings.Height}x{settings.Width}, {settings.BlocksY}x{settings.BlocksX} blocks, " +
            $"{settings.Steps} steps of {settings.Inner} iterations, {settings.Workers} workers ({runtime.TransportName} transport)"));

        // 1. The analytics describe all steps before any data exists: blocks are external keys.
        var blocks = new List<TaskKey>();
        var graph = new TaskGraph();
        var outputs = new List<TaskKey>();
        for (int t = 0; t < settings.Steps; t++)
        {
            var sums = new List<TaskKey>();
            for (int by = 0; by < settings.BlocksY; by++)
            {
                for (int bx = 0; bx < settings.BlocksX; bx++)
                {
                    TaskKey block = ("global_t", t, by, bx);
                    blocks.Add(block);
                    sums.Add(graph.Add(("block_sum", t, by, bx), TaskSpec.Create(DemoOperations.BlockSum, block)));
                }
            }

            outputs.Add(graph.Add(("mean", t), TaskSpec.Create(DemoOperations.MeanOf, TaskArg.FromKeys(sums), (long)settings.Height * settings.Width)));
            if (t > 0)
            {
                outputs.Add(graph.Add(("dmean_dt", t), TaskSpec.Create(DemoOperations.Difference, new TaskKey("mean", t - 1), new TaskKey("mean", t))));
            }
        }

        client.CreateExternal(blocks);
        Dictionary<TaskKey, Future<double>> futures = client.Persist<double>(graph, outputs).ToDictionary(f => f.Key);

        // 2. The simulation publishes each step's blocks as it goes; the same block always goes to the same worker.
        using ExternalProducer producer = runtime.CreateProducer();
        var simulation = new HeatField(settings.Height, settings.Width);
        for (int t = 0; t < settings.Steps; t++)
        {
            simulation.Advance(settings.Inner);
            for (int by = 0; by < settings.BlocksY; by++)
            {
                for (int bx = 0; bx < settings.BlocksX; bx++)
                {
                    double[] block = simulation.CopyBlock(by, bx, settings.BlocksY, settings.BlocksX);
                    producer.Put(("global_t", t, by, bx), block, (by * settings.BlocksX + bx) % settings.Workers);
                }
            }
        }

        // 3. Results, in step order.
        output.WriteLine("step   mean temperature   d(mean)/dt");
        try
        {
            for (int t = 0; t < settings.Steps; t++)
            {
                double mean = futures[("mean", t)].Result(TimeSpan.FromSeconds(60));
                string derivative = t == 0 ? "-" : futures[("dmean_dt", t)].Result(TimeSpan.FromSeconds(60)).ToString("F3", CultureInfo.InvariantCulture);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,4}   {mean,16:F3}   {derivative,10}"));
            }
        }
        catch (TaskFailedException error)
        {
            output.WriteLine($"analytics failed: {error.Message}");
            return 1;
        }
        finally
        {
            foreach (Future<double> future in futures.Values)
            {
                future.Dispose();
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done in {clock.Elapsed.TotalSeconds:F2} s"));
        return 0;
    }
}
