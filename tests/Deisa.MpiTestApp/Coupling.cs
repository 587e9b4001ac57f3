using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// Simulation ranks publish a 2D field with ghost cells, split over a process grid, for every step; the analytics
/// read a chosen subset (every k-th step of some blocks) and check the sums against the formula that fills the field.
/// </summary>
/// <remarks>
/// Arguments: --grid PYxPX, --size HxW, --steps N, --every K (steps read), --blocks all|first|none (blocks read),
/// --finish-early S (simulation stops after S steps), --skip-step S (simulation rank 0 never publishes step S), --fail (the analytics throw after validating),
/// --step-delay MS (the simulation sleeps after each step, standing for computation), --wait-contract (the simulation
/// waits for its contract before its first step instead of staging what comes before it),
/// --analytics-delay MS (the analytics stall before building their graph), --changes (the analytics change the contract
/// while the simulation runs: <see cref="ContractChanges"/>).
/// </remarks>
public static class Coupling
{
    public static int Run(DeisaSession session, string[] args)
    {
        string[] grid = Program.Arg(args, "--grid", "1x1").Split('x');
        string[] size = Program.Arg(args, "--size", "12x10").Split('x');
        var settings = new Settings(
            int.Parse(grid[0], CultureInfo.InvariantCulture), int.Parse(grid[1], CultureInfo.InvariantCulture),
            int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture),
            int.Parse(Program.Arg(args, "--steps", "6"), CultureInfo.InvariantCulture),
            int.Parse(Program.Arg(args, "--every", "1"), CultureInfo.InvariantCulture),
            Program.Arg(args, "--blocks", "all"),
            int.Parse(Program.Arg(args, "--finish-early", "-1"), CultureInfo.InvariantCulture),
            args.Contains("--fail"),
            int.Parse(Program.Arg(args, "--step-delay", "0"), CultureInfo.InvariantCulture),
            int.Parse(Program.Arg(args, "--analytics-delay", "0"), CultureInfo.InvariantCulture),
            int.Parse(Program.Arg(args, "--skip-step", "-1"), CultureInfo.InvariantCulture),
            int.Parse(Program.Arg(args, "--die-at", "-1"), CultureInfo.InvariantCulture),
            int.Parse(Program.Arg(args, "--die-code", "13"), CultureInfo.InvariantCulture),
            args.Contains("--wait-contract"));
        if (session.IsSimulation)
        {
            return Simulate(session, settings);
        }

        if (args.Contains("--changes"))
        {
            return session.RunAnalytics(client => ContractChanges.Analyse(client, settings.Steps, settings.Height, settings.Width));
        }

        return Program.Arg(args, "--mode", "deisa3") == "deisa1"
            ? session.RunAnalytics(client => AnalysePerStep(client, settings))
            : session.RunAnalytics(client => Analyse(client, settings));
    }

    /// <summary>The value of global cell (y, x) at step t.</summary>
    public static double Value(int t, long y, long x) => (1000.0 * t) + (10.0 * y) + x;

    private static int Simulate(DeisaSession session, Settings s)
    {
        int rank = session.SimulationRank;
        (int py, int px) = (rank / s.GridX, rank % s.GridX);
        (long y0, long rows) = Split(s.Height, s.GridY, py);
        (long x0, long cols) = Split(s.Width, s.GridX, px);
        const int Ghost = 1;
        long stride = cols + (2 * Ghost);
        double[] field = new double[(rows + (2 * Ghost)) * stride];
        using Bridge bridge = session.CreateBridge();
        bridge.DeclareArray<double>("global_t", [s.Steps, s.Height, s.Width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
        if (s.WaitContract)
        {
            bridge.WaitForContract();
        }

        int steps = s.FinishEarly >= 0 ? s.FinishEarly : s.Steps;
        for (int t = 0; t < steps; t++)
        {
            if (t == s.DieAt && rank == 0)
            {
                // A crash: the process ends without MPI_Finalize, without telling anyone.
                Console.Error.WriteLine($"simulation rank {rank} dies at step {t}");
                Environment.Exit(s.DieCode);
            }

            if (rank == 0 && t == s.SkipStep)
            {
                continue;
            }

            Array.Fill(field, double.NaN);
            for (long y = 0; y < rows; y++)
            {
                for (long x = 0; x < cols; x++)
                {
                    field[((y + Ghost) * stride) + x + Ghost] = Value(t, y0 + y, x0 + x);
                }
            }

            PublishHandle handle;
            try
            {
                handle = bridge.PublishInterior<double>("global_t", t, field, Ghost);
            }
            catch (DeisaTimeoutException error)
            {
                Console.Error.WriteLine($"error: simulation rank {rank}: {error.Message}");
                session.Abort(error.Message, 4);
                return 4;
            }

            handle.Wait(TimeSpan.FromSeconds(60));
            Thread.Sleep(s.StepDelay);
        }

        bridge.Finish();
        BridgeStatistics stats = bridge.Statistics;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"STATS rank={rank} shipped={stats.BlocksShipped} skipped={stats.BlocksSkipped} bytes={stats.BytesShipped} scheduler_messages={stats.MessagesToScheduler} staged={stats.BlocksStaged} revoked={bridge.Revoked} worker={(bridge.Contract.Count > 0 ? bridge.Contract[0].Worker.Rank : -1)}"));
        return 0;
    }

    private static int Analyse(DeisaClient client, Settings s)
    {
        DeisaArrays arrays = client.GetArrays();
        Thread.Sleep(s.AnalyticsDelay);
        ArrayLayout field = arrays.Layout("global_t");
        Program.Check(field.BlockGrid.SequenceEqual([s.GridY, s.GridX]), "layout-grid", string.Join("x", field.BlockGrid));
        if (s.Blocks == "none")
        {
            // Analytics that lose interest before any contract: the simulation must still run to its end.
            return 0;
        }

        // One graph over all steps before any data exists: a sum per block read, a total per step.
        var graph = new TaskGraph();
        var externals = new List<TaskKey>();
        var totals = new Dictionary<int, TaskKey>();
        var expected = new Dictionary<int, double>();
        var blocks = new List<int[]>();
        for (int by = 0; by < s.GridY; by++)
        {
            for (int bx = 0; bx < s.GridX; bx++)
            {
                if (s.Blocks == "all" || (by == 0 && bx == 0))
                {
                    blocks.Add([by, bx]);
                }
            }
        }

        for (int t = 0; t < s.Steps; t += s.Every)
        {
            var sums = new List<TaskKey>();
            double total = 0;
            foreach (int[] block in blocks)
            {
                TaskKey key = field.KeyOf(t, block);
                externals.Add(key);
                sums.Add(graph.Add(("block_sum", t, block[0], block[1]), TaskSpec.Create(TestOps.Registry.Get(BuiltinOperations.Sum), key)));
                long[] start = field.BlockStart(block);
                long[] count = field.BlockCount(block);
                for (long y = 0; y < count[0]; y++)
                {
                    for (long x = 0; x < count[1]; x++)
                    {
                        total += Value(t, start[0] + y, start[1] + x);
                    }
                }
            }

            totals[t] = graph.Add(("total", t), TaskSpec.Create(TestOps.Registry.Get(BuiltinOperations.SumList), TaskArg.FromKeys(sums)));
            expected[t] = total;
        }

        client.CreateExternal(externals);
        IReadOnlyList<Future<double>> futures = client.Persist<double>(graph, totals.Values);
        client.ValidateContract();
        Console.WriteLine($"CONTRACT blocks={externals.Count}");
        if (s.Fail)
        {
            throw new InvalidOperationException("the analytics fail on purpose");
        }

        bool allOk = true;
        foreach (Future<double> future in futures)
        {
            int t = future.Key[0];
            try
            {
                double value = future.Result(TimeSpan.FromSeconds(60));
                bool ok = Math.Abs(value - expected[t]) <= 1e-9 * Math.Abs(expected[t]);
                allOk &= ok;
                Program.Check(ok, $"total-{t}", string.Create(CultureInfo.InvariantCulture, $"{value} expected {expected[t]}"));
            }
            catch (TaskFailedException error)
            {
                allOk = false;
                Console.WriteLine($"ERRED {future.Key} {error.InnerException?.Message}");
            }

            future.Dispose();
        }

        return allOk ? 0 : 3;
    }

    /// <summary>Deisa1: every step, wait for the blocks' announcements, then submit that step's graph.</summary>
    private static int AnalysePerStep(DeisaClient client, Settings s)
    {
        ArrayLayout field = client.GetArrays().Layout("global_t");
        bool allOk = true;
        for (int t = 0; t < s.Steps; t++)
        {
            var blocks = new List<Future<object>>();
            var graph = new TaskGraph();
            var sums = new List<TaskKey>();
            double expected = 0;
            for (int by = 0; by < s.GridY; by++)
            {
                for (int bx = 0; bx < s.GridX; bx++)
                {
                    int[] block = [by, bx];
                    TaskKey key = field.KeyOf(t, block);
                    blocks.Add(client.WaitForBlockAsync<object>(key).GetAwaiter().GetResult());
                    sums.Add(graph.Add(("block_sum", t, by, bx), TaskSpec.Create(TestOps.Registry.Get(BuiltinOperations.Sum), key)));
                    long[] start = field.BlockStart(block);
                    long[] count = field.BlockCount(block);
                    for (long y = 0; y < count[0]; y++)
                    {
                        for (long x = 0; x < count[1]; x++)
                        {
                            expected += Value(t, start[0] + y, start[1] + x);
                        }
                    }
                }
            }

            TaskKey total = graph.Add(("total", t), TaskSpec.Create(TestOps.Registry.Get(BuiltinOperations.SumList), TaskArg.FromKeys(sums)));
            double value = client.Compute<double>(graph, total, TimeSpan.FromSeconds(60));
            bool ok = Math.Abs(value - expected) <= 1e-9 * Math.Abs(expected);
            allOk &= ok;
            Program.Check(ok, $"total-{t}", string.Create(CultureInfo.InvariantCulture, $"{value} expected {expected}"));
            foreach (Future<object> block in blocks)
            {
                block.Dispose();
            }
        }

        return allOk ? 0 : 3;
    }

    private static (long Start, long Count) Split(long size, int parts, int index)
    {
        long baseCount = size / parts;
        long extra = size % parts;
        long start = (index * baseCount) + Math.Min(index, extra);
        return (start, baseCount + (index < extra ? 1 : 0));
    }

    private sealed record Settings(int GridY, int GridX, int Height, int Width, int Steps, int Every, string Blocks, int FinishEarly, bool Fail, int StepDelay, int AnalyticsDelay, int SkipStep, int DieAt, int DieCode, bool WaitContract);
}
