using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Heat2D.Analytics;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Simulation;
using Deisa.Ml;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.Heat2D.Runs;

/// <summary>What every way of running the mini-app shares: the analytics the configuration asks for, and the layout.</summary>
internal static class HeatJob
{
    /// <summary>How long a contract or a publication may take before the run fails instead of hanging.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>The bound on steps in flight that applies (<see cref="HeatConfig.MaxStepsInFlight"/>).</summary>
    public static Core.Coupling.BackpressureOptions Backpressure(HeatConfig config) => new()
    {
        MaxStepsInFlight = config.MaxStepsInFlight,
        Policy = Core.Coupling.BackpressurePolicy.Block,
        Timeout = Timeout,
    };

    /// <summary>The coupling settings of a simulation rank's bridge, the same under MPI and in one process.</summary>
    public static DeisaMpiOptions Coupling(HeatConfig config) => new()
    {
        AnalyticsRanks = config.AnalyticsRanks,
        Mode = config.RunMode == RunMode.Deisa1 ? Core.Arrays.CouplingMode.Deisa1 : Core.Arrays.CouplingMode.Deisa3,
        ContractTimeout = Timeout,
        Backpressure = Backpressure(config),
        StagingBytesBeforeContract = (long)config.StagingBeforeContractMib << 20,
        CopyBudgetBytes = (long)config.CopyBudgetMib << 20,
    };

    /// <summary>Declares a simulation rank's arrays on its bridge (and the downsampled field where configured) and sends the declarations.</summary>
    public static void Declare(HeatConfig config, Decomposition place, Bridge bridge)
    {
        bridge.DeclareArray(HeatArrays.Declare(config, place));
        if (config.Downsample > 1)
        {
            // Computed here from each published block, only when the contract asks for it: a fraction travels.
            bridge.RegisterPreprocessing(Core.Coupling.Preprocessing.Downsample(config.Downsample));
            bridge.DeclareDerived(HeatArrays.Coarse, HeatArrays.Field, "downsample");
        }

        // Sent now rather than at the first publication: the analytics build their graph and the contract while
        // the first step computes.
        bridge.CommitDeclarations();
    }

    public static Decomposition Place(HeatConfig config, int rank) =>
        new(rank, config.Grid!.Rows, config.Grid.Cols, config.Size!.Height, config.Size.Width);

    /// <summary>Runs the configured analytics on the client, the Deisa3 way (one graph over every step) or the Deisa1 way (step by step).</summary>
    public static AnalyticsResults Analyse(HeatConfig config, DeisaClient client)
    {
        InSituIncrementalPCA? pca = config.Find(AnalyticConfig.Ipca) is { } ipca
            ? new InSituIncrementalPCA(ipca.NComponents, whiten: ipca.Whiten, svdSolver: Solver(ipca.SvdSolver), randomState: 0)
            : null;
        bool mean = config.Find(AnalyticConfig.SpatialMean) is not null;
        bool trend = config.Find(AnalyticConfig.TimeDerivativeMean) is not null;
        Selection selection = config.Selection is { } s
            ? new Selection(s.Every, Range(s.Rows), Range(s.Cols))
            : Selection.All;
        return config.RunMode == RunMode.Deisa1
            ? new HeatAnalyticsDeisa1(pca, mean, trend, selection).Run(client)
            : new HeatAnalytics(pca, mean, trend, selection, config.Find(AnalyticConfig.RollingMean)?.Window ?? 0, HeatArrays.Read(config), config.StopWhenMeanChangeBelow, config.Find(AnalyticConfig.RollingMean)?.MaxConcurrency ?? 1).Run(client);

        static Range Range(List<int>? window) => window is [int first, int end] ? first..end : ..;
    }

    /// <summary>Workers for the analytics ranks: the first runs the scheduler (and a worker only when it is alone).</summary>
    public static int Workers(HeatConfig config) => Math.Max(1, config.AnalyticsRanks - 1);

    /// <summary>The global field from the interiors of every block, by simulation rank.</summary>
    public static double[] Assemble(HeatConfig config, Func<int, ReadOnlyMemory<double>> interior)
    {
        int width = config.Size!.Width;
        double[] field = new double[config.Size.Height * width];
        for (int r = 0; r < config.SimulationRanks; r++)
        {
            Decomposition place = Place(config, r);
            ReadOnlySpan<double> block = interior(r).Span;
            for (int y = 0; y < place.BlockHeight; y++)
            {
                block.Slice(y * place.BlockWidth, place.BlockWidth).CopyTo(field.AsSpan(((place.Y0 + y) * width) + place.X0, place.BlockWidth));
            }
        }

        return field;
    }

    /// <summary>
    /// Waits for <paramref name="main"/>, unless one of <paramref name="helpers"/> fails first: then that failure is
    /// thrown, since <paramref name="main"/> would wait forever for data that will not come.
    /// </summary>
    public static T WhileAlive<T>(Task<T> main, Task[] helpers)
    {
        var pending = new List<Task>(helpers) { main };
        while (!main.IsCompleted)
        {
            Task done = Task.WhenAny(pending).GetAwaiter().GetResult();
            if (done.IsFaulted && done != main)
            {
                done.GetAwaiter().GetResult();
            }

            pending.Remove(done);
        }

        T result = main.GetAwaiter().GetResult();
        if (!Task.WhenAll(helpers).Wait(Timeout))
        {
            throw new TimeoutException($"The analytics finished but the simulation (or the file readers) did not end within {Timeout.TotalMinutes:0} min.");
        }

        return result;
    }

    private static SvdSolver Solver(string name) => name switch
    {
        "full" => SvdSolver.Full,
        "randomized" => SvdSolver.Randomized,
        _ => SvdSolver.LeadingK,
    };
}
