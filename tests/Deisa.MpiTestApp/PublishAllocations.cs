using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.MpiTestApp;

/// <summary>
/// Scenario 'publish-alloc': what a shipped block allocates once the run is in its steady state (pools full, code
/// compiled). Each simulation rank publishes a flat block and the interior of a field with ghost cells every step,
/// waiting for each, and reports the bytes its publishing thread and its process allocated over the second half;
/// the analytics root, which waits for every block and lets it go, reports what its process (receiving, worker,
/// scheduler and client) and its runtime threads alone allocated over the second half of the blocks, and the size of
/// the object each block is handed to the tasks in.
/// </summary>
/// <remarks>Arguments: --steps N (default 2000), --elements N (default 4096, per flat block); the session's own, such as
/// --in-flight and --copy-budget (blocks sent from copies), apply.</remarks>
public static class PublishAllocations
{
    private const int Rows = 32;
    private const int Columns = 64;
    private const int Ghost = 1;

    /// <summary>
    /// The bytes of the object a received block is handed to the tasks in (its storage comes from the pool): each block
    /// gets its own, so that a task keeping one past its release is told so rather than reading a later step's data.
    /// </summary>
    private static long ValueObjectBytes(int elements)
    {
        Deisa.Core.Buffers.PooledArray<double>.Rent(elements).Release();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var value = Deisa.Core.Buffers.PooledArray<double>.Rent(elements);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        value.Release();
        return bytes;
    }

    public static int Run(DeisaSession session, string[] args)
    {
        int steps = int.Parse(Program.Arg(args, "--steps", "2000"), CultureInfo.InvariantCulture);
        int elements = int.Parse(Program.Arg(args, "--elements", "4096"), CultureInfo.InvariantCulture);
        int ranks = session.Layout.SimulationSize;
        if (session.IsSimulation)
        {
            int rank = session.SimulationRank;
            using Bridge bridge = session.CreateBridge();
            bridge.DeclareArray<double>("flat", [steps, (long)ranks * elements], 0, [(long)rank * elements], [elements]);
            bridge.DeclareArray<double>("field", [steps, (long)ranks * Rows, Columns], 0, [(long)rank * Rows, 0], [Rows, Columns]);
            bridge.WaitForContract();
            double[] flat = GC.AllocateArray<double>(elements, pinned: true);
            double[] field = GC.AllocateArray<double>((Rows + (2 * Ghost)) * (Columns + (2 * Ghost)), pinned: true);
            long thread = 0;
            long process = 0;
            for (int t = 0; t < steps; t++)
            {
                if (t == steps / 2)
                {
                    thread = GC.GetAllocatedBytesForCurrentThread();
                    process = GC.GetTotalAllocatedBytes(precise: true);
                }

                flat[0] = t;
                field[0] = t;
                bridge.Publish<double>("flat", t, flat).Wait(TimeSpan.FromSeconds(60));
                bridge.PublishInterior<double>("field", t, field, Ghost).Wait(TimeSpan.FromSeconds(60));
            }

            thread = GC.GetAllocatedBytesForCurrentThread() - thread;
            process = GC.GetTotalAllocatedBytes(precise: true) - process;
            bridge.Finish();
            int publishes = 2 * (steps - (steps / 2));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ALLOC rank={rank} publishes={publishes} shipped={bridge.Statistics.BlocksShipped} copied={bridge.Statistics.BlocksCopied} thread={thread} process={process}"));
            return 0;
        }

        return session.RunAnalytics(client =>
        {
            DeisaArrays arrays = client.GetArrays();
            ArrayLayout flat = arrays.Layout("flat");
            ArrayLayout field = arrays.Layout("field");
            List<TaskKey> keys = [.. Enumerable.Range(0, steps).SelectMany(t => Enumerable.Range(0, ranks).SelectMany(b => new[] { flat.KeyOf(t, [b]), field.KeyOf(t, [b, 0]) }))];
            client.CreateExternal(keys);

            // Every block is wanted, and let go as soon as it arrived, in step order, as a steady analysis does.
            List<Future<object>> futures = [.. keys.Select(client.GetFuture<object>)];
            client.ValidateContract();
            long process = 0;
            long pooled = 0;
            long runtime = 0;
            int middle = futures.Count / 2;
            for (int i = 0; i < futures.Count; i++)
            {
                if (i == middle)
                {
                    process = GC.GetTotalAllocatedBytes(precise: true);
                    pooled = Deisa.Core.Buffers.BufferPool.Shared.Statistics.Allocated;
                    runtime = session.RuntimeThreadsAllocatedBytes;
                }

                futures[i].WaitAsync().Wait(TimeSpan.FromSeconds(120));
                futures[i].Dispose();
            }

            process = GC.GetTotalAllocatedBytes(precise: true) - process;
            pooled = Deisa.Core.Buffers.BufferPool.Shared.Statistics.Allocated - pooled;

            // Settle: the loops record their counts when they empty their mailboxes, so let the last releases through.
            Thread.Sleep(200);
            runtime = session.RuntimeThreadsAllocatedBytes - runtime;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ALLOC_ANALYTICS blocks={futures.Count - middle} process={process} runtime={runtime} value={ValueObjectBytes(elements)} pool_allocations={pooled} stored={session.WorkerStoredCount}"));
            return 0;
        });
    }
}
