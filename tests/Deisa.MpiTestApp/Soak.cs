using System.Diagnostics;
using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;
using Deisa.Mpi.Native;

namespace Deisa.MpiTestApp;

/// <summary>
/// A long run of small steps: every simulation rank publishes a 16x16 block per step; the analytics, one graph over
/// every step built before the data exists, sum each step and average each cell over time. Every few steps each
/// role samples its memory (live heap after a full collection, pooled buffers and messages outstanding, values
/// stored, keys the scheduler knows) and prints a SAMPLE line; after the session ends each rank prints a FINAL line.
/// </summary>
/// <remarks>
/// <para>Arguments: --steps N, --samples S (how many samples over the run, default 40).</para>
/// <para>The worker's samples are tasks sent once a sampled step was read, so they run on a worker while the run goes
/// on. The graph is built a window of steps at a time (<see cref="ClientOptions.Lookahead"/>). The simulation runs at most <see cref="Window"/> steps ahead of the
/// analytics' results: analytics rank 0 sends each simulation rank a credit every <see cref="CreditEvery"/> steps,
/// point to point on <c>MPI_COMM_WORLD</c> (Deisa talks on its own communicator). A simulation whose analytics keep
/// up: what is in flight is bounded, so any growth is a leak.</para>
/// </remarks>
public static class Soak
{
    public const string SampleOperation = "soak.sample";

    private const int Rows = 16;
    private const int Columns = 16;
    private const int CreditTag = 4242;
    private const int CreditEvery = 8;
    private const int Window = 16;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static DeisaSession? s_session;

    /// <summary>Registers the sampling operation; every rank, before the session starts.</summary>
    public static void Register(OperationRegistry registry) =>
        registry.Register(SampleOperation, static _ => SampleWorker(), 1, 1);

    public static int Run(DeisaSession session, string[] args)
    {
        s_session = session;
        int steps = int.Parse(Program.Arg(args, "--steps", "1000"), CultureInfo.InvariantCulture);
        int every = Math.Max(1, steps / int.Parse(Program.Arg(args, "--samples", "40"), CultureInfo.InvariantCulture));
        int width = session.Layout.SimulationSize * Columns;
        return session.IsSimulation
            ? Simulate(session, steps, every, width)
            : session.RunAnalytics(client => Analyse(session, client, steps, every, width));
    }

    /// <summary>Prints this rank's pools once the session (and its transport) has stopped.</summary>
    public static void PrintFinal(int rank)
    {
        long heap = LiveHeap();
        BufferPoolStatistics pool = BufferPool.Shared.Statistics;
        MessagePoolStatistics messages = MessagePoolStatistics.Current;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"FINAL rank={rank} heap={heap} pool_rented={pool.Rented} pool_out={pool.Outstanding} pool_bytes={pool.OutstandingBytes} pool_allocated={pool.Allocated} messages_rented={messages.Rented} messages_out={messages.Outstanding} messages_created={messages.Created}"));
    }

    /// <summary>Half-integers below a hundred: per-step sums and time means are exact in double.</summary>
    private static double Value(int t, int y, int x) => (((t * 7) + (y * 3) + x) % 101) - 49.5;

    private static int Simulate(DeisaSession session, int steps, int every, int width)
    {
        int rank = session.SimulationRank;
        int root = session.Layout.AnalyticsRoot;
        double[] block = new double[Rows * Columns];
        using Bridge bridge = session.CreateBridge();
        bridge.DeclareArray<double>("field", [steps, Rows, width], 0, [0, rank * Columns], [Rows, Columns], ["t", "Y", "X"]);
        int credited = -1;
        int credits = 0;
        for (int t = 0; t < steps; t++)
        {
            while (t - Window > credited)
            {
                credited = ReceiveCredit(root);
                credits++;
            }

            for (int y = 0; y < Rows; y++)
            {
                for (int x = 0; x < Columns; x++)
                {
                    block[(y * Columns) + x] = Value(t, y, (rank * Columns) + x);
                }
            }

            bridge.Publish<double>("field", t, block).Wait(s_timeout);
            if ((t + 1) % every == 0)
            {
                Print("sim", rank, t, $"{Pools()}");
            }
        }

        bridge.Finish();

        // Take every credit the analytics send, so that no message is left unreceived when MPI finalises.
        while (credits < steps / CreditEvery)
        {
            ReceiveCredit(root);
            credits++;
        }

        return 0;
    }

    private static int Analyse(DeisaSession session, DeisaClient client, int steps, int every, int width)
    {
        var clock = Stopwatch.StartNew();
        DeisaArray field = client.GetArrays()["field"];
        using PersistedArray sums = field.Sum("Y", "X").Persist();
        using PersistedArray mean = field.Mean("t").Persist();

        client.ValidateContract();
        int graphTasks = session.SchedulerTaskCount;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"SOAK steps={steps} every={every} ranks={session.Layout.WorldSize} simulation={session.Layout.SimulationSize} workers={session.Layout.Workers.Count} graph_tasks={graphTasks} processors={Environment.ProcessorCount}"));

        int wrong = 0;
        string firstWrong = string.Empty;
        double[] timeSum = new double[Rows * width];
        for (int t = 0; t < steps; t++)
        {
            double expected = 0;
            for (int y = 0; y < Rows; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double value = Value(t, y, x);
                    expected += value;
                    timeSum[(y * width) + x] += value;
                }
            }

            double actual = sums.GetTimeChunk(t, s_timeout).Data[0];
            if (actual != expected && wrong++ == 0)
            {
                firstWrong = string.Create(CultureInfo.InvariantCulture, $"step {t}: {actual} expected {expected}");
            }

            if ((t + 1) % CreditEvery == 0)
            {
                for (int rank = 0; rank < session.Layout.SimulationSize; rank++)
                {
                    SendCredit(t, rank);
                }
            }

            if ((t + 1) % every == 0)
            {
                // The worker samples itself through a task, sent once this step was read.
                using Future<long[]> probe = client.Submit<long[]>(("soak-sample", t), TaskSpec.Create(TestOps.Registry.Get(SampleOperation), (long)t));
                long[] w = probe.Result(s_timeout);
                Print("worker", (int)w[0], t, string.Create(
                    CultureInfo.InvariantCulture,
                    $"heap={w[1]} stored={w[2]} stored_bytes={w[3]} pool_out={w[4]} pool_bytes={w[5]} pool_allocated={w[6]} messages_out={w[7]} messages_created={w[8]}"));
                Print("root", session.WorldRank, t, string.Create(
                    CultureInfo.InvariantCulture,
                    $"scheduler_keys={session.SchedulerTaskCount} held={client.HeldKeyCount} {Pools()}"));
            }
        }

        Program.Check(wrong == 0, "totals", wrong == 0 ? $"{steps} steps" : $"{wrong} wrong, first {firstWrong}");
        NdArray means = mean.Result(s_timeout);
        double worst = 0;
        for (int i = 0; i < timeSum.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(means.Data[i] - (timeSum[i] / steps)));
        }

        Program.Check(worst <= 1e-9, "time-mean", string.Create(CultureInfo.InvariantCulture, $"largest error {worst}"));
        mean.Dispose();

        // Everything was read and released: the scheduler must forget it all.
        var deadline = DateTime.UtcNow + s_timeout;
        while (session.SchedulerTaskCount != 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Program.Check(session.SchedulerTaskCount == 0, "scheduler-forgot", $"keys={session.SchedulerTaskCount} held={client.HeldKeyCount}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ELAPSED seconds={clock.Elapsed.TotalSeconds:0.00}"));
        return wrong == 0 && worst <= 1e-9 ? 0 : 3;
    }

    /// <summary>The sampling task: what this worker's process holds now.</summary>
    private static long[] SampleWorker()
    {
        DeisaSession session = s_session ?? throw new InvalidOperationException("The soak scenario did not set its session.");
        long heap = LiveHeap();
        BufferPoolStatistics pool = BufferPool.Shared.Statistics;
        MessagePoolStatistics messages = MessagePoolStatistics.Current;
        return [session.WorldRank, heap, session.WorkerStoredCount, session.WorkerStoredBytes, pool.Outstanding, pool.OutstandingBytes, pool.Allocated, messages.Outstanding, messages.Created];
    }

    private static string Pools()
    {
        long heap = LiveHeap();
        BufferPoolStatistics pool = BufferPool.Shared.Statistics;
        MessagePoolStatistics messages = MessagePoolStatistics.Current;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"heap={heap} pool_out={pool.Outstanding} pool_bytes={pool.OutstandingBytes} pool_allocated={pool.Allocated} messages_out={messages.Outstanding} messages_created={messages.Created}");
    }

    private static void Print(string role, int rank, int step, string fields) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SAMPLE role={role} rank={rank} step={step + 1} {fields}"));

    /// <summary>The bytes reachable now: a full blocking collection first, so that garbage does not count.</summary>
    private static long LiveHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static unsafe void SendCredit(int step, int rank)
    {
        int value = step;
        int request = MpiApi.Isend(&value, 1, MpiApi.Int, rank, CreditTag, MpiApi.CommWorld);
        Complete(ref request, $"the credit of step {step} to simulation rank {rank}");
    }

    private static unsafe int ReceiveCredit(int root)
    {
        int value = -1;
        int request = MpiApi.Irecv(&value, 1, MpiApi.Int, root, CreditTag, MpiApi.CommWorld);
        Complete(ref request, $"a credit from analytics rank 0 (world rank {root})");
        return value;
    }

    /// <summary>Tests a request until it completes, yielding the core between tests: ranks share cores here.</summary>
    private static void Complete(ref int request, string what)
    {
        long start = Stopwatch.GetTimestamp();
        for (int test = 0; !MpiApi.Test(ref request); test++)
        {
            if (Stopwatch.GetElapsedTime(start) > s_timeout)
            {
                // MPI still owns the buffer of a pending request: end the job rather than return from here.
                Console.Error.WriteLine($"error: world rank {MpiApi.WorldRank} waited {s_timeout.TotalSeconds:0} s for {what}.");
                Console.Error.Flush();
                MpiApi.Abort(MpiApi.CommWorld, 5);
            }

            if (test >= 64)
            {
                Thread.Sleep(1);
            }
        }
    }
}
