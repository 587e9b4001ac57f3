using System.Diagnostics;
using System.Globalization;
using System.Text;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Xunit.Abstractions;

namespace Deisa.Tests.Soak;

/// <summary>
/// Long runs in one process: two producers publish a small block per step for many steps while the analytics, one
/// graph over every step, sum each step and average over time. Memory must stay flat, every pooled buffer and
/// message must come back, and the scheduler must forget what is done.
/// </summary>
/// <remarks>
/// 1,000 steps in CI (a few seconds); <c>DEISA_SOAK_STEPS=10000</c> runs the long variant. The test runs alone (it
/// reads the process-wide pools and the garbage-collected heap).
/// </remarks>
[Collection(AllocationCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int Rows = 16;
    private const int Columns = 16;
    private const int Producers = 2;
    private const long BlockBytes = Rows * Columns * sizeof(double);

    // How many steps the producers may run ahead of the analytics' results: a simulation whose analytics keep up,
    // so that what is in flight is bounded and a growth can only be a leak.
    private const int Window = 4;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InProcess_SmallStepsWithAnalytics_MemoryFlatBuffersReturnedKeysForgotten(bool serialize)
    {
        int steps = Flatness.Steps(ci: 1000);
        int every = Math.Max(1, steps / 40);
        var pool = new BufferPool();
        BufferPoolStatistics sharedBefore = BufferPool.Shared.Statistics;
        MessagePoolStatistics messagesBefore = MessagePoolStatistics.Current;
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        int graphTasks;
        await using (var runtime = DeisaRuntime.StartInProcess(2, new RuntimeOptions { SimulationRanks = Producers, Transport = serialize ? TransportNames.InProcessSerialized : TransportNames.InProcess, ThreadsPerWorker = 1 }))
        {
            var producers = new ExternalProducer[Producers];
            for (int p = 0; p < Producers; p++)
            {
                producers[p] = runtime.CreateProducer();
                producers[p].DeclareArrays(new ArrayDeclaration(
                    "field", ElementType.Float64, [steps, Rows, Producers * Columns], 0, [0, p * Columns], [Rows, Columns], ["t", "Y", "X"]));
            }

            // One graph over every step, before any data: the sum of each step, and the mean over time of each cell.
            DeisaArray field = runtime.Client.GetArrays()["field"];
            using PersistedArray sums = field.Sum("Y", "X").Persist();
            using PersistedArray mean = field.Mean("t").Persist();
            await runtime.Client.ValidateContractAsync();
            graphTasks = runtime.SchedulerTaskCount;
            ContractEntry[] contracts = new ContractEntry[Producers];
            for (int p = 0; p < Producers; p++)
            {
                contracts[p] = Assert.Single(await producers[p].WaitForContractAsync(s_timeout));
                Assert.Equal(steps, contracts[p].Steps.Count);
                Assert.Equal(1, contracts[p].Steps.IntervalCount);
            }

            double[] expectedSums = new double[steps];
            double[] timeSum = new double[Rows * Producers * Columns];
            double[] block = new double[Rows * Columns];
            var puts = new Task[Producers];
            for (int t = 0; t < steps; t++)
            {
                if (t >= Window)
                {
                    await CheckSumAsync(sums, t - Window, expectedSums);
                }

                for (int p = 0; p < Producers; p++)
                {
                    expectedSums[t] += Fill(block, t, p, timeSum);
                    puts[p] = producers[p].PutAsync(new TaskKey("field", [t, .. contracts[p].Block]), PooledArray<double>.CopyFrom(block, pool), contracts[p].Worker.Rank);
                }

                await Task.WhenAll(puts).WaitAsync(s_timeout);
                if ((t + 1) % every == 0)
                {
                    samples.Add(Sample.Take(t, runtime, pool.Statistics, BufferPool.Shared.Statistics.Since(sharedBefore), MessagePoolStatistics.Current.Since(messagesBefore)));
                }
            }

            for (int t = Math.Max(0, steps - Window); t < steps; t++)
            {
                await CheckSumAsync(sums, t, expectedSums);
            }

            Report(steps, serialize, graphTasks, clock.Elapsed, samples);
            AssertSteady(samples, steps, graphTasks);

            NdArray means = await mean.GetResultAsync().WaitAsync(s_timeout);
            for (int i = 0; i < timeSum.Length; i++)
            {
                Assert.Equal(timeSum[i] / steps, means.Data[i], 1e-9);
            }

            // Every result was copied out as it completed and its key released: the scheduler forgets everything, the
            // workers store nothing, every block is back in its pool, while the arrays are still persisted.
            await WaitUntil(() => runtime.SchedulerTaskCount == 0 && runtime.GetStoredCounts().Sum() == 0 && pool.Statistics.Outstanding == 0, () => Describe(runtime, pool));
            Assert.Equal(0, runtime.Client.HeldKeyCount);
            mean.Dispose();
            foreach (ExternalProducer producer in producers)
            {
                producer.Finish([]);
            }
        }

        // Every block went back to its pool, and so did every buffer and message the runtime rented meanwhile.
        BufferPoolStatistics blocks = pool.Statistics;
        Assert.Equal(2L * steps, blocks.Rented);
        Assert.Equal(0, blocks.Outstanding);
        Assert.Equal(0, blocks.OutstandingBytes);
        BufferPoolStatistics shared = BufferPool.Shared.Statistics.Since(sharedBefore);
        Assert.True(shared.Outstanding == 0 && shared.OutstandingBytes == 0, $"The shared buffer pool: {shared}");
        if (serialize)
        {
            // Through the wire format every block is decoded into a buffer of the shared pool.
            Assert.True(shared.Rented >= 2L * steps, $"The shared buffer pool: {shared}");
        }

        MessagePoolStatistics messages = MessagePoolStatistics.Current.Since(messagesBefore);
        Assert.True(messages.Outstanding == 0, $"Messages not returned to their pools: {messages}");
    }

    /// <summary>Asserts that nothing grew over the run and that the scheduler forgot finished work as it went.</summary>
    private static void AssertSteady(List<Sample> samples, int steps, int graphTasks)
    {
        // A leak of one block (or one stored value, one buffer, one message) per step would exceed these.
        long perStep = steps / 4;
        Flatness.AssertFlat("Values stored on the workers", [.. samples.Select(s => s.Stored)], perStep);
        Flatness.AssertFlat("Bytes stored on the workers", [.. samples.Select(s => s.StoredBytes)], perStep * BlockBytes);
        Flatness.AssertFlat("Blocks outstanding in the pool", [.. samples.Select(s => s.Blocks.Outstanding)], perStep);
        Flatness.AssertFlat("Bytes outstanding in the pool", [.. samples.Select(s => s.Blocks.OutstandingBytes)], perStep * BlockBytes);
        Flatness.AssertFlat("Shared pool buffers outstanding", [.. samples.Select(s => s.Shared.Outstanding)], perStep);
        Flatness.AssertFlat("Messages outstanding", [.. samples.Select(s => s.Messages.Outstanding)], perStep);

        // In one process the heap holds the scheduler's window of the graph too, flat as well.
        Flatness.AssertFlat("Live heap (bytes)", [.. samples.Select(s => s.Heap)], perStep * BlockBytes);

        // The graph is built a window of steps at a time and forgotten behind it: the scheduler's keys stay flat, and
        // never exceed a few windows' worth.
        Flatness.AssertFlat("Keys the scheduler knows", [.. samples.Select(s => (long)s.SchedulerTasks)], perStep);
        foreach (Sample sample in samples)
        {
            Assert.True(
                sample.SchedulerTasks <= Flatness.WindowKeysBound(graphTasks),
                $"After step {sample.Step} the scheduler knows {sample.SchedulerTasks} keys; the first window (step 0) had {graphTasks}.");
        }
    }

    /// <summary>Fills producer <paramref name="p"/>'s block of step <paramref name="t"/> and returns its sum.</summary>
    /// <remarks>Half-integers below a hundred: sums and means are exact in double, whatever the order of the additions.</remarks>
    private static double Fill(double[] block, int t, int p, double[] timeSum)
    {
        double sum = 0;
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Columns; x++)
            {
                int column = (p * Columns) + x;
                double value = (((t * 7) + (y * 3) + column) % 101) - 49.5;
                block[(y * Columns) + x] = value;
                timeSum[(y * Producers * Columns) + column] += value;
                sum += value;
            }
        }

        return sum;
    }

    private static async Task CheckSumAsync(PersistedArray sums, int step, double[] expected)
    {
        NdArray value = await sums.GetTimeChunkAsync(step).WaitAsync(s_timeout);
        Assert.Equal(expected[step], value.Data[0]);
    }

    private static async Task WaitUntil(Func<bool> condition, Func<string> describe)
    {
        DateTime deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The runtime did not settle: {describe()}");
            await Task.Delay(5);
        }
    }

    private static string Describe(DeisaRuntime runtime, BufferPool pool) =>
        $"scheduler keys {runtime.SchedulerTaskCount}, client held keys {runtime.Client.HeldKeyCount}, stored values [{string.Join(", ", runtime.GetStoredCounts())}], block pool {pool.Statistics}";

    private void Report(int steps, bool serialize, int graphTasks, TimeSpan elapsed, List<Sample> samples)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"SOAK inproc steps={steps} serialize={serialize} graph_tasks={graphTasks} processors={Environment.ProcessorCount} seconds={elapsed.TotalSeconds:0.0}");
        foreach (Sample sample in samples)
        {
            text.AppendLine(sample.ToString());
        }

        output.WriteLine(text.ToString());
    }

    private sealed record Sample(int Step, long Heap, int Stored, long StoredBytes, int SchedulerTasks, int HeldKeys, BufferPoolStatistics Blocks, BufferPoolStatistics Shared, MessagePoolStatistics Messages)
    {
        public static Sample Take(int step, DeisaRuntime runtime, BufferPoolStatistics blocks, BufferPoolStatistics shared, MessagePoolStatistics messages) => new(
            step,
            Flatness.LiveHeap(),
            runtime.GetStoredCounts().Sum(),
            runtime.GetStoredBytes().Sum(),
            runtime.SchedulerTaskCount,
            runtime.Client.HeldKeyCount,
            blocks,
            shared,
            messages);

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"SAMPLE step={Step + 1} heap={Heap} stored={Stored} stored_bytes={StoredBytes} scheduler_keys={SchedulerTasks} held={HeldKeys} blocks_out={Blocks.Outstanding} blocks_bytes={Blocks.OutstandingBytes} shared_out={Shared.Outstanding} shared_allocated={Shared.Allocated} messages_out={Messages.Outstanding} messages_created={Messages.Created}");
    }
}
