using System.Diagnostics;
using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Transport;
using Deisa.Heat2D.Analytics;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Output;
using Deisa.Heat2D.Simulation;
using Deisa.Ml;
using Deisa.Mpi.Bridge;

namespace Deisa.Heat2D.Runs;

/// <summary>
/// Without mpiexec: every rank in one process, simulation ranks as threads exchanging halos in memory, the analytics
/// on the in-process runtime (the embedded default). Same analytics, same results, same output as under MPI.
/// </summary>
internal static class InProcessRunner
{
    /// <summary>Runs the configured job in this process.</summary>
    /// <param name="config">The job.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="progress">Reports steps done.</param>
    /// <param name="stdout">Where the summary goes.</param>
    /// <param name="transport">The in-process transport's name (<see cref="TransportNames.InProcess"/> or <see cref="TransportNames.InProcessSerialized"/>).</param>
    /// <returns>The exit code: 0 on success.</returns>
    public static int Run(HeatConfig config, string output, Progress progress, TextWriter stdout, string transport = TransportNames.InProcess)
    {
        int ranks = config.SimulationRanks;
        HeatBlock[] blocks = [.. Enumerable.Range(0, ranks).Select(r => new HeatBlock(HeatJob.Place(config, r)))];
        string posthoc = Path.Combine(output, "posthoc");
        if (config.RunMode == RunMode.PostHoc)
        {
            Directory.CreateDirectory(posthoc);
        }

        DeisaMl.Register();
        using var failed = new CancellationTokenSource();
        using var halo = new SharedHaloExchange(blocks, failed.Token);
        bool coupled = config.RunMode is RunMode.Deisa3 or RunMode.Deisa1;
        // One coupling for the runtime and every rank's bridge, as every rank of an MPI job reads the same file.
        Mpi.DeisaMpiOptions coupling = HeatJob.Coupling(config);
        using DeisaRuntime? runtime = coupled
            ? DeisaRuntime.StartInProcess(HeatJob.Workers(config), new RuntimeOptions { SimulationRanks = ranks, Backpressure = coupling.Backpressure, Mode = coupling.Mode, Transport = transport })
            : null;
        var bridges = new List<Bridge>();
        using var closeBridges = new Disposables(bridges);
        var sinks = new IStepSink[ranks];
        for (int r = 0; r < ranks; r++)
        {
            Decomposition place = blocks[r].Place;
            if (coupled)
            {
                // The Bridge of simulation rank r, in rank order: the same road for a block as under MPI.
                Bridge bridge = Bridge.Create(runtime!, coupling);
                bridges.Add(bridge);
                HeatJob.Declare(config, place, bridge);
                sinks[r] = new BridgeSink(bridge);
            }
            else
            {
                sinks[r] = config.RunMode == RunMode.PostHoc ? new FileSink(posthoc, place) : new NullSink();
            }
        }

        var clock = Stopwatch.StartNew();
        Task<SimulationReport>[] simulation = [.. Enumerable.Range(0, ranks).Select(r => Task.Factory.StartNew(
            () =>
            {
                try
                {
                    SimulationReport report = SimulationRank.Run(
                        blocks[r], halo, sinks[r], config.Steps, config.Inner, HeatJob.Timeout, r == 0 ? progress.StepDone : null, config.Steered ? bridges[r].StopRequested : null);

                    // As under MPI, each rank ends its coupling when it stops: the analytics learn there the step a
                    // steered run stopped at, and wait for it.
                    sinks[r].Finish();
                    return report;
                }
                catch
                {
                    // The other ranks would wait at the next halo exchange forever.
                    failed.Cancel();
                    throw;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default))];

        AnalyticsResults? results = runtime is null
            ? null
            : HeatJob.WhileAlive(Task.Run(() => HeatJob.Analyse(config, runtime.Client)), simulation);
        SimulationReport[] reports = Task.WhenAll(simulation).GetAwaiter().GetResult();
        double wall = clock.Elapsed.TotalSeconds;
        var summary = SimulationSummary.From(reports, config.Mode!, config.Size!.Height, config.Size.Width, config.Grid!.Rows, config.Grid.Cols, config.Inner, wall);
        ResultWriter.WriteField(output, HeatJob.Assemble(config, r => Interior(blocks[r])), config.Size.Height, config.Size.Width);
        summary.Write(output);
        if (config.RunMode == RunMode.PostHoc)
        {
            results = PostHocAnalytics.Run(config, posthoc);
        }

        if (results is not null)
        {
            ResultWriter.WriteAnalytics(output, results);
        }

        SummaryPrinter.Print(stdout, config, $"{ranks} simulation thread(s) and {HeatJob.Workers(config)} worker(s) in one process, transport {(coupled ? transport : "none")}", summary, results, output, inProcess: true);
        return 0;
    }

    /// <summary>Disposes the bridges however the run ends.</summary>
    private sealed class Disposables(List<Bridge> bridges) : IDisposable
    {
        public void Dispose()
        {
            foreach (Bridge bridge in bridges)
            {
                bridge.Dispose();
            }
        }
    }

    private static double[] Interior(HeatBlock block)
    {
        double[] interior = new double[block.Rows * block.Cols];
        block.CopyInterior(interior);
        return interior;
    }
}
