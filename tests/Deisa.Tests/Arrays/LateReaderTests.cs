using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Tests.Arrays;

/// <summary>
/// A persisted array added after another reads, a window later, blocks the other's round emitted and let go: the round
/// that adds it must keep them alive, or its tasks come after the data went and wait for it forever.
/// </summary>
public sealed class LateReaderTests
{
    private const int Producers = 2;
    private const int Rows = 4;
    private const int Columns = 4;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Persist_ReaderOfEarlierStepsAddedLater_PinsTheBlocksEarlierRoundsEmitted()
    {
        await using DeisaRuntime runtime = Start();
        Declare(runtime, 8);
        DeisaArray field = runtime.Client.GetArrays()["field"];

        // A lookahead of one: the sums' round emits step 0 and, no one reading it again, pins nothing; the change over
        // time then reads step 0 again (its first difference), a window later.
        using PersistedArray sums = field.Sum("Y", "X").Persist();
        using PersistedArray change = field.Diff("t").Max("t", "Y", "X").Persist();

        Assert.Equal(Producers, runtime.Client.Windows.PinCount);
    }

    [Fact]
    public async Task Run_LookaheadOne_ReadersAddedInTurn_EveryResultCompletes()
    {
        for (int repeat = 0; repeat < 3; repeat++)
        {
            await RunAsync(300);
        }
    }

    private static DeisaRuntime Start() =>
        DeisaRuntime.StartInProcess(2, new RuntimeOptions { SimulationRanks = Producers, ThreadsPerWorker = 1, Client = new ClientOptions { Lookahead = 1 } });

    private static ExternalProducer[] Declare(DeisaRuntime runtime, int steps)
    {
        var producers = new ExternalProducer[Producers];
        for (int p = 0; p < Producers; p++)
        {
            producers[p] = runtime.CreateProducer();
            producers[p].DeclareArrays(new ArrayDeclaration(
                "field", ElementType.Float64, [steps, Rows, Producers * Columns], 0, [0, p * Columns], [Rows, Columns], ["t", "Y", "X"]));
        }

        return producers;
    }

    private static async Task RunAsync(int steps)
    {
        var pool = new BufferPool();
        await using DeisaRuntime runtime = Start();
        ExternalProducer[] producers = Declare(runtime, steps);
        DeisaArray field = runtime.Client.GetArrays()["field"];
        using PersistedArray sums = field.Sum("Y", "X").Persist();
        using PersistedArray mean = field.Mean("t").Persist();
        using PersistedArray change = field.Diff("t").Max("t", "Y", "X").Persist();
        await runtime.Client.ValidateContractAsync();
        var contracts = new ContractEntry[Producers];
        for (int p = 0; p < Producers; p++)
        {
            contracts[p] = Assert.Single(await producers[p].WaitForContractAsync(s_timeout));
        }

        double[] block = new double[Rows * Columns];
        var puts = new Task[Producers];
        for (int t = 0; t < steps; t++)
        {
            for (int p = 0; p < Producers; p++)
            {
                // Every cell rises by one per step.
                for (int i = 0; i < block.Length; i++)
                {
                    block[i] = t + i + (p * block.Length);
                }

                puts[p] = producers[p].PutAsync(new TaskKey("field", [t, .. contracts[p].Block]), PooledArray<double>.CopyFrom(block, pool), contracts[p].Worker.Rank);
            }

            await Task.WhenAll(puts).WaitAsync(s_timeout);
        }

        NdArray largest = await change.GetResultAsync().WaitAsync(s_timeout);
        Assert.Equal(1.0, largest.Data[0]);
        NdArray means = await mean.GetResultAsync().WaitAsync(s_timeout);
        Assert.Equal(Rows * Producers * Columns, means.Data.Length);
        NdArray last = await sums.GetTimeChunkAsync(steps - 1).WaitAsync(s_timeout);
        Assert.Equal(Producers * block.Length * (steps - 1.0), last.Data[0] - (Producers * block.Length * (Producers * block.Length - 1) / 2.0));
        foreach (ExternalProducer producer in producers)
        {
            producer.Finish([]);
        }
    }
}
