using System.Diagnostics;
using Deisa.Heat2D.Analytics;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Output;
using Deisa.Heat2D.Simulation;
using Deisa.Ml;
using Deisa.Mpi;
using Deisa.Mpi.Native;
using MpiUnsafe = MPI.Unsafe;

namespace Deisa.Heat2D.Runs;

/// <summary>
/// Under mpiexec: the first ranks simulate on a Cartesian grid; in modes deisa3 and deisa1 the last ones run Deisa's
/// analytics (rank 0 of them the scheduler and <see cref="HeatAnalytics"/>). Modes none and posthoc have simulation
/// ranks only; in posthoc, world rank 0 runs the analytics on the files once MPI is finalised.
/// </summary>
internal static class MpiRunner
{
    public static int Run(HeatConfig config, string output, Progress progress, TextWriter stdout)
    {
        return config.RunMode is RunMode.Deisa3 or RunMode.Deisa1
            ? RunCoupled(config, output, progress, stdout)
            : RunAlone(config, output, progress, stdout);
    }

    private static int RunCoupled(HeatConfig config, string output, Progress progress, TextWriter stdout)
    {
        DeisaMl.Register();
        using DeisaSession session = DeisaSession.Initialize(HeatJob.Coupling(config));
        using IDisposable signals = Signals.Install(reason => session.Abort(reason, 130));
        if (session.IsAnalytics || session.SimulationRank == 0)
        {
            // What each analytics rank (and one simulation rank for all) takes of the node's cores, before the run, so
            // that a layout that oversubscribes them shows at once. BLAS is loaded only where the analytics use it.
            string blas = session.IsAnalytics && config.Find(AnalyticConfig.Ipca) is not null ? $", BLAS {DeisaMl.DescribeLinearAlgebra()}" : string.Empty;
            WriteWhole(stdout, $"deisa: world rank {session.WorldRank}, {session.Threads}{blas}");
        }

        if (session.IsSimulation)
        {
            var clock = Stopwatch.StartNew();
            Decomposition place = HeatJob.Place(config, session.SimulationRank);
            var block = new HeatBlock(place);
            using Mpi.Bridge.Bridge bridge = session.CreateBridge();
            HeatJob.Declare(config, place, bridge);
            using var halo = new MpiHaloExchange(session.SimulationCommunicatorHandle, place, HeatJob.Timeout);
            var sink = new BridgeSink(bridge);
            SimulationReport report = SimulationRank.Run(
                block, halo, sink, config.Steps, config.Inner, HeatJob.Timeout, place.Rank == 0 ? progress.StepDone : null, config.Steered ? bridge.StopRequested : null);

            // Reported before Finish: the analytics root prints the summary once every rank finished.
            Report(config, session.SimulationCommunicatorHandle, block, report, output, clock.Elapsed.TotalSeconds);
            sink.Finish();
            return 0;
        }

        AnalyticsResults? results = null;
        int code = session.RunAnalytics(client =>
        {
            results = HeatJob.Analyse(config, client);

            // Written as soon as the results are in, while the simulation ranks write the field and their report: the
            // two groups' outputs overlap rather than queue (the runtime waits for the simulation's finish after this).
            // First the memory the run held (the workers' stores, the GC's free regions) goes back to the system
            // before the output libraries load, so that writing the results (about 19 MiB of PNG and HDF5 code and
            // buffers) does not set the root's peak on top of the run's.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            ResultWriter.WriteAnalytics(output, results);
            return 0;
        });
        if (results is not null)
        {
            if (session.SchedulerLoad is { } load)
            {
                new AnalyticsSummary(results.Seconds, load.MessagesFromSimulation, load.MessagesFromWorkers, load.MessagesFromClient, load.BytesFromOtherRanks, results.DeclarationsSeconds, results.ContractSeconds).Write(output);
            }

            SummaryPrinter.Print(stdout, config, Launch(config, session.Layout.WorldSize) + $", the analytics root polling {(session.SharedCores ? "gently" : "eagerly")}", SimulationSummary.Read(output), results, output);
        }

        return code;
    }

    private static int RunAlone(HeatConfig config, string output, Progress progress, TextWriter stdout)
    {
        MpiLibrary.EnsureLoaded();
        string[]? arguments = null;
        var environment = new MPI.Environment(ref arguments, MPI.Threading.Serialized);
        int rank;
        SimulationSummary? summary;
        string posthoc = Path.Combine(output, "posthoc");
        try
        {
            using IDisposable signals = Signals.Install(reason =>
            {
                MpiLibrary.AbortJob($"deisa-heat2d: {reason}", 130);
            });
            rank = MPI.Communicator.world.Rank;
            var clock = Stopwatch.StartNew();
            Decomposition place = HeatJob.Place(config, rank);
            var block = new HeatBlock(place);
            using var halo = new MpiHaloExchange(MpiUnsafe.MPI_COMM_WORLD, place, HeatJob.Timeout);
            IStepSink sink = config.RunMode == RunMode.PostHoc ? new FileSink(posthoc, place) : new NullSink();
            if (config.RunMode == RunMode.PostHoc)
            {
                Directory.CreateDirectory(posthoc);
            }

            SimulationReport report = SimulationRank.Run(block, halo, sink, config.Steps, config.Inner, HeatJob.Timeout, rank == 0 ? progress.StepDone : null);
            summary = Report(config, MpiUnsafe.MPI_COMM_WORLD, block, report, output, clock.Elapsed.TotalSeconds);
            sink.Finish();

            // Every block is on disk before rank 0 reads them.
            MPI.Communicator.world.Barrier();
        }
        finally
        {
            environment.Dispose();
        }

        if (rank != 0)
        {
            return 0;
        }

        AnalyticsResults? results = null;
        if (config.RunMode == RunMode.PostHoc)
        {
            results = PostHocAnalytics.Run(config, posthoc);
            ResultWriter.WriteAnalytics(output, results);
            new AnalyticsSummary(results.Seconds, 0, 0, 0, 0, results.DeclarationsSeconds, results.ContractSeconds).Write(output);
        }

        SummaryPrinter.Print(stdout, config, Launch(config, config.SimulationRanks), summary, results, output);
        return 0;
    }

    /// <summary>Gathers every simulation rank's report and block on simulation rank 0, which writes the field and simulation.json.</summary>
    private static SimulationSummary? Report(HeatConfig config, int comm, HeatBlock block, SimulationReport report, string output, double wall)
    {
        // A fixed number of values per rank, whatever the steps: the timings' statistics, then the shipping.
        ShippingStatistics s = report.Shipped;
        double[] shipping = [s.BlocksShipped, s.BlocksSkipped, s.BytesShipped, s.MessagesToScheduler, s.BlockedSeconds, s.PeakStepsInFlight, s.BlocksStaged, s.ContractWaitSeconds, s.BlocksCopied];
        double[] mine = new double[RankTimings.Length + shipping.Length + 2];
        mine[^2] = report.FirstCouplingGcPauseSeconds;
        mine[^1] = report.FirstCouplingCpuSeconds;
        report.Timings.Write(mine);
        shipping.CopyTo(mine, RankTimings.Length);
        double[] interior = new double[block.Rows * block.Cols];
        block.CopyInterior(interior);
        int ranks = config.SimulationRanks;
        double[] reports = Gather(mine, ranks, comm);
        double[] blocks = Gather(interior, ranks, comm);
        if (block.Place.Rank != 0)
        {
            return null;
        }

        var all = new SimulationReport[ranks];
        for (int r = 0; r < ranks; r++)
        {
            ReadOnlySpan<double> v = reports.AsSpan(r * mine.Length, mine.Length);
            ReadOnlySpan<double> w = v[RankTimings.Length..];
            all[r] = new SimulationReport(
                r,
                RankTimings.Read(v),
                new ShippingStatistics((long)w[0], (long)w[1], (long)w[2], (long)w[3], w[4], (int)w[5], (long)w[6], w[7], (long)w[8]),
                w[9],
                w[10]);
        }

        var summary = SimulationSummary.From(all, config.Mode!, config.Size!.Height, config.Size.Width, config.Grid!.Rows, config.Grid.Cols, config.Inner, wall);
        ResultWriter.WriteField(output, HeatJob.Assemble(config, r => blocks.AsMemory(r * interior.Length, interior.Length)), config.Size.Height, config.Size.Width);
        summary.Write(output);
        return summary;
    }

    /// <summary>MPI_Gather of equal contributions on rank 0 (the blocks split the field evenly).</summary>
    private static unsafe double[] Gather(double[] mine, int ranks, int comm)
    {
        double[] all = new double[mine.Length * ranks];
        fixed (double* send = mine, receive = all)
        {
            int code = MpiUnsafe.MPI_Gather((IntPtr)send, mine.Length, MpiUnsafe.MPI_DOUBLE, (IntPtr)receive, mine.Length, MpiUnsafe.MPI_DOUBLE, 0, comm);
            if (code != MpiUnsafe.MPI_SUCCESS)
            {
                throw new InvalidOperationException($"MPI_Gather of the simulation's reports failed with MPI error {code}.");
            }
        }

        return all;
    }

    /// <summary>
    /// Writes a line in one write to the process's standard output, when that is where it goes: every rank writes one
    /// at the same time, the console's writer hands them on 256 characters at a time, and mpiexec interleaves the
    /// ranks' output chunk by chunk. One write of less than a pipe's buffer (4 KiB) arrives whole.
    /// </summary>
    private static void WriteWhole(TextWriter stdout, string line)
    {
        if (!ReferenceEquals(stdout, Console.Out))
        {
            stdout.WriteLine(line);
            return;
        }

        stdout.Flush();
        using Stream raw = Console.OpenStandardOutput();
        raw.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        raw.Flush();
    }

    private static string Launch(HeatConfig config, int worldSize)
    {
        int analytics = worldSize - config.SimulationRanks;
        return analytics > 0
            ? $"{worldSize} MPI ranks ({config.SimulationRanks} simulation, {analytics} analytics), transport {Core.Transport.TransportNames.Mpi}"
            : $"{worldSize} MPI ranks";
    }
}
