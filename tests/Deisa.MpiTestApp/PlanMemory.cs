using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Task = System.Threading.Tasks.Task;

namespace Deisa.MpiTestApp;

/// <summary>
/// Scenario 'plan-memory', run as a plain process (no MPI): an in-process runtime over tens of thousands of steps,
/// with analytics that read every step (a spatial sum per step, a mean and a maximum change over all of time), and
/// the live heap sampled as it goes. <c>--leak</c> plants a leak of 64 bytes per step; <c>--window N</c> adds a window
/// callback over the last N steps that checks its steps at every call, and with <c>--window-compute</c> also computes
/// their mean (a new array, and a small graph, per call).
/// </summary>
/// <remarks>
/// A process of its own, because the live heap is the whole process's: in the test host, other tests' pooled buffers
/// (trimmed a minute after their last use, at some full collection) moved it by a megabyte in the middle of a run.
/// Prints <c>PLAN heap=B</c> per sample, then <c>PLAN done steps=N</c> once every result was checked; a wrong result
/// throws, which exits non-zero.
/// </remarks>
internal static class PlanMemory
{
    /// <summary>The planted leak: what a runtime that kept one small record per step (a key, a dictionary entry) would hold.</summary>
    public const int PlantedBytesPerStep = 64;

    private const int Producers = 2;
    private const int Rows = 4;
    private const int Columns = 4;

    // How far the producers run ahead of the results they check: keeps what is in flight bounded, so that growth can
    // only come from something kept per step.
    private const int Ahead = 32;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static int Run(string[] args)
    {
        int steps = int.Parse(Program.Arg(args, "--steps", "20000"), CultureInfo.InvariantCulture);
        int samples = int.Parse(Program.Arg(args, "--samples", "40"), CultureInfo.InvariantCulture);
        int window = int.Parse(Program.Arg(args, "--window", "0"), CultureInfo.InvariantCulture);
        RunAsync(steps, samples, args.Contains("--leak"), window, args.Contains("--window-compute")).GetAwaiter().GetResult();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PLAN done steps={steps}"));
        return 0;
    }

    private static async Task RunAsync(int steps, int sampleCount, bool plantLeak, int window, bool compute)
    {
        int every = Math.Max(1, steps / sampleCount);
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
        int wrong = 0;
        await using Deisa.Core.Streaming.WindowRegistration? rolling = window == 0 ? null : runtime.Client.Register(
            step =>
            {
                IReadOnlyList<int> held = step.StepsOf(0);
                wrong += held[^1] == step.Step && held.Count == Math.Min(window, step.Step + 1) ? 0 : 1;
                if (compute)
                {
                    wrong += double.IsFinite(step[0].Mean().Compute().Data[0]) ? 0 : 1;
                }
            },
            [new Deisa.Core.Streaming.Window(field, window)]);
        await runtime.Client.ValidateContractAsync();
        var contracts = new ContractEntry[Producers];
        for (int p = 0; p < Producers; p++)
        {
            IReadOnlyList<ContractEntry> entries = await producers[p].WaitForContractAsync(s_timeout);
            contracts[p] = entries.Count == 1 ? entries[0] : throw new InvalidOperationException($"producer {p} got {entries.Count} contract entries, expected 1");
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
                // 24 bytes of array header on 64-bit: the object is the planted size.
                leak.Add(new byte[PlantedBytesPerStep - 24]);
            }

            if (t >= Ahead && t % Ahead == 0)
            {
                await CheckSumAsync(sums, t - Ahead, expected);
                long waited = System.Diagnostics.Stopwatch.GetTimestamp();
                while (rolling is not null && rolling.Calls < t - Ahead)
                {
                    // The callback keeps pace too: what it has not reached yet is held for it, and would count.
                    Check(!rolling.Completion.IsCompleted, $"the window callback ended at step {rolling.LastStep}: {rolling.Completion.Exception}");
                    Check(System.Diagnostics.Stopwatch.GetElapsedTime(waited) < s_timeout, $"the window callback did not get to step {t - Ahead} in {s_timeout.TotalSeconds} s");
                    await Task.Delay(1);
                }
            }

            if ((t + 1) % every == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PLAN heap={LiveHeap()}"));
            }
        }

        for (int t = Math.Max(0, steps - Ahead); t < steps; t++)
        {
            await CheckSumAsync(sums, t, expected);
        }

        // Every cell rises by one per step, but where the filling pattern wraps around.
        NdArray largest = await change.GetResultAsync().WaitAsync(s_timeout);
        Check(largest.Data[0] == 1.0, $"the largest change over time is {largest.Data[0]}, expected 1");
        NdArray means = await mean.GetResultAsync().WaitAsync(s_timeout);
        Check(means.Data.Length == Rows * Producers * Columns, $"the mean over time has {means.Data.Length} cells, expected {Rows * Producers * Columns}");
        foreach (ExternalProducer producer in producers)
        {
            producer.Finish([]);
        }

        if (rolling is not null)
        {
            await rolling.WaitAsync().WaitAsync(s_timeout);
            Check(rolling.Calls == steps && wrong == 0, $"the window callback ran {rolling.Calls} times for {steps} steps, {wrong} with a wrong window or mean");
        }

        GC.KeepAlive(leak);
    }

    /// <summary>The bytes reachable now: a full blocking collection first, so that garbage does not count.</summary>
    private static long LiveHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: false);
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
        Check(value.Data[0] == expected[step], $"the spatial sum of step {step} is {value.Data[0]}, expected {expected[step]}");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}
