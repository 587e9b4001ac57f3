using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Xunit.Abstractions;

namespace Deisa.Tests.Soak;

/// <summary>
/// The plan over every step costs no memory per step: a run of tens of thousands of steps, with analytics that read
/// every step (a spatial sum per step, a mean and a maximum change over all of time), keeps a live heap that does
/// not grow with the steps. The same run with a planted leak of 64 bytes per step fails the same check, which
/// shows the check can fail.
/// </summary>
/// <remarks>
/// 20,000 steps in CI; <c>DEISA_SOAK_STEPS</c> sets another count. The results persisted over time (one double per
/// step for the sums) are allocated whole when the arrays are persisted, so they do not grow either.
/// </remarks>
[Collection(AllocationCollection.Name)]
public sealed class PlanMemoryTests(ITestOutputHelper output)
{
    private const int Producers = 2;
    private const int Rows = 4;
    private const int Columns = 4;

    // How far the producers run ahead of the results they check: keeps what is in flight bounded, so that growth can
    // only come from something kept per step.
    private const int Ahead = 32;

    // The planted leak: what a runtime that kept one small record per step (a key, a dictionary entry) would hold.
    private const int PlantedBytesPerStep = 64;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LongRun_RootHeapDoesNotGrowWithSteps()
    {
        int steps = Flatness.Steps(ci: 20_000);
        IReadOnlyList<long> heap = await RunAsync(steps, plantLeak: false);
        Flatness.AssertFlat("Live heap (bytes)", heap, Tolerance(steps));
    }

    [Fact]
    public async Task LongRun_PlantedPerStepLeak_IsCaught()
    {
        int steps = Flatness.Steps(ci: 20_000);
        IReadOnlyList<long> heap = await RunAsync(steps, plantLeak: true);
        long growth = Flatness.Growth(heap);
        Assert.True(
            growth > Tolerance(steps),
            $"A leak of {PlantedBytesPerStep} bytes per step grew the heap by only {growth} bytes over {steps} steps, within the tolerance {Tolerance(steps)}: the flatness check would miss it. {string.Join(", ", heap)}");
    }

    /// <summary>
    /// A leak of u bytes per step lifts the last quarter's samples u·n/2 above the first quarter's; a quarter of the
    /// planted leak's growth (16 bytes per step) catches it with margin, far below what the materialised plan cost (about
    /// 2.8 KB per step and block).
    /// </summary>
    private static long Tolerance(int steps) => (long)steps * PlantedBytesPerStep / 4;

    private async Task<IReadOnlyList<long>> RunAsync(int steps, bool plantLeak)
    {
        int every = Math.Max(1, steps / 40);
        var samples = new List<long>();
        var leak = new List<byte[]>();
        var pool = new BufferPool();
        await using var runtime = DeisaRuntime.StartInProcess(2, new RuntimeOptions { SimulationRanks = Producers, ThreadsPerWorker = 1 });
        var producers = new ExternalProducer[Producers];
        for (int p = 0; p < Producers; p++)
        {
            producers[p] = runtime.CreateProducer();
            producers[p].DeclareArrays(new ArrayDeclaration(
                "field", ElementType.Float64, [steps, Rows, Producers * Columns], 0, [0, p * Columns], [Rows, Columns], ["t", "Y", "X"]));
        }

        DeisaArray field = runtime.Client.GetArrays()["field"];
        using PersistedArray sums = field.Sum("Y", "X").Persist();
        using PersistedArray mean = field.Mean("t").Persist();
        using PersistedArray change = field.Diff("t").Max("t", "Y", "X").Persist();
        await runtime.Client.ValidateContractAsync();
        ContractEntry[] contracts = new ContractEntry[Producers];
        for (int p = 0; p < Producers; p++)
        {
            contracts[p] = Assert.Single(await producers[p].WaitForContractAsync(s_timeout));
        }

        double[] expected = new double[steps];
        double[] block = new double[Rows * Columns];
        var puts = new Task[Producers];
        for (int t = 0; t < steps; t++)
        {
            for (int p = 0; p < Producers; p++)
            {
                expected[t] += Fill(block, t, p);
                puts[p] = producers[p].PutAsync(new TaskKey("field", [t, .. contracts[p].Block]), PooledArray<double>.CopyFrom(block, pool), contracts[p].Worker.Rank);
            }

            await Task.WhenAll(puts).WaitAsync(s_timeout);
            if (plantLeak)
            {
                leak.Add(new byte[PlantedBytesPerStep - 24]);
            }

            if (t >= Ahead && t % Ahead == 0)
            {
                await CheckSumAsync(sums, t - Ahead, expected);
            }

            if ((t + 1) % every == 0)
            {
                samples.Add(Flatness.LiveHeap());
            }
        }

        for (int t = Math.Max(0, steps - Ahead); t < steps; t++)
        {
            await CheckSumAsync(sums, t, expected);
        }

        // Every cell rises by one per step, but where the filling pattern wraps around.
        NdArray largest = await change.GetResultAsync().WaitAsync(s_timeout);
        Assert.Equal(1.0, largest.Data[0]);
        NdArray means = await mean.GetResultAsync().WaitAsync(s_timeout);
        Assert.Equal(Rows * Producers * Columns, means.Data.Length);
        foreach (ExternalProducer producer in producers)
        {
            producer.Finish([]);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PLAN steps={steps} leak={plantLeak} heap first/middle/last {Flatness.Summary(samples)} growth {Flatness.Growth(samples)} tolerance {Tolerance(steps)}"));
        GC.KeepAlive(leak);
        return samples;
    }

    /// <summary>Fills producer <paramref name="p"/>'s block of step <paramref name="t"/>, returns its sum (exact in double).</summary>
    private static double Fill(double[] block, int t, int p)
    {
        double sum = 0;
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Columns; x++)
            {
                double value = ((t + (y * 3) + (p * Columns) + x) % 101) - 49.5;
                block[(y * Columns) + x] = value;
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
}
