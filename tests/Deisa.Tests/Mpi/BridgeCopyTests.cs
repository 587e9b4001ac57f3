using CsCheck;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;
using Deisa.Mpi.Transport;

namespace Deisa.Tests.Mpi;

/// <summary>
/// Sending from copies (<see cref="DeisaMpiOptions.CopyBudgetBytes"/>): within the budget a contracted block is copied
/// and its memory is the simulation's again at once; past it the block is lent as without a budget. No MPI
/// (<see cref="BridgeHarness"/>: the test completes the sends).
/// </summary>
public sealed class BridgeCopyTests : BridgeHarness
{
    private const int BlockBytes = 4 * sizeof(double);

    [Fact]
    public async Task WithinTheBudget_TheMemoryIsFreeAtOnce_WhatShipsIsWhatWasPublished()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, CopyBudgetBytes = BlockBytes, StagingBytesBeforeContract = 0 });
        SendContract(StepSet.Range(0, 5));
        double[] block = [1, 2, 3, 4];
        PublishHandle handle = bridge.Publish<double>("field", 0, block);
        Assert.True(handle.Copied && handle.Shipped && handle.IsCompleted && !handle.Staged);

        // The simulation writes its memory before the send completes: the copy goes.
        Array.Fill(block, double.NaN);
        PutExternal put = await Next<PutExternal>(WorkerBox);
        var sent = (OutgoingBlock)put.Value!;
        Assert.Equal(new TaskKey("field", 0, 0), put.Key);
        Assert.Equal([1.0, 2, 3, 4], Values(sent));
        Assert.Equal(BlockBytes, sent.OwnedBytes);
        sent.Complete(null);

        bridge.Finish();
        Assert.Equal((1L, 1L), (bridge.Statistics.BlocksCopied, bridge.Statistics.BlocksShipped));
    }

    [Fact]
    public async Task BudgetTakenByASendInFlight_TheNextBlockIsLent_AndCopiedAgainOnceThatSendCompleted()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, CopyBudgetBytes = BlockBytes, StagingBytesBeforeContract = 0 });
        SendContract(StepSet.Range(0, 5));
        Assert.True(bridge.Publish<double>("field", 0, new double[4]).Copied);
        var first = (OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!;

        // The copy of step 0 is still on its way: one more would pass the budget.
        double[] lentMemory = [5, 6, 7, 8];
        PublishHandle lent = bridge.Publish<double>("field", 1, lentMemory);
        Assert.True(lent.Shipped);
        Assert.False(lent.Copied);
        Assert.False(lent.IsCompleted, "A lent block's memory was given back before its send completed.");
        var second = (OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!;
        Assert.Equal(0, second.OwnedBytes);
        Assert.Equal([5.0, 6, 7, 8], Values(second));

        first.Complete(null);
        Assert.True(bridge.Publish<double>("field", 2, new double[4]).Copied);
        second.Complete(null);
        Assert.True(lent.IsCompleted);
        await NextShipped();

        bridge.Finish();
        Assert.Equal((2L, 3L), (bridge.Statistics.BlocksCopied, bridge.Statistics.BlocksShipped));
    }

    [Fact]
    public async Task BudgetSmallerThanABlock_EveryBlockIsLent()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, CopyBudgetBytes = BlockBytes - 1, StagingBytesBeforeContract = 0 });
        SendContract(StepSet.Range(0, 5));
        PublishHandle handle = bridge.Publish<double>("field", 0, new double[4]);
        Assert.True(handle.Shipped && !handle.Copied);
        await NextShipped();
        bridge.Finish();
        Assert.Equal(0, bridge.Statistics.BlocksCopied);
    }

    [Fact]
    public async Task PublishInterior_TheCopyHoldsTheInteriorWithoutItsGhosts()
    {
        using Bridge bridge = CreateOther(0, new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, CopyBudgetBytes = 1 << 20, StagingBytesBeforeContract = 0 });
        bridge.DeclareArray<double>("grid", [5, 2, 3], 0, [0, 0], [2, 3], ["t", "y", "x"]);
        ContractUpdate contract = ContractUpdate.Rent();
        contract.Entries.Add(new ContractEntry("grid", [0, 0], Worker, StepSet.Range(0, 5)));
        SendToBridge(contract);
        double[] field = [.. Enumerable.Range(0, 20).Select(i => (double)i)];

        Assert.True(bridge.PublishInterior<double>("grid", 0, field, ghost: 1).Copied);
        Array.Fill(field, -1);
        var sent = (OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!;

        // Rows 1 and 2, columns 1 to 3 of a 4x5 field, as one run.
        Assert.True(sent.IsContiguous);
        Assert.Equal([6.0, 7, 8, 11, 12, 13], Values(sent));
        sent.Complete(null);
    }

    [Fact]
    public void NegativeBudget_RefusedNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new DeisaMpiOptions { CopyBudgetBytes = -1 }));
        Assert.Contains("CopyBudgetBytes must be 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverAnInProcessRuntime_NothingIsCopiedTwice()
    {
        // The in-process transport copies every block to its worker as it is sent: the budget is not used there. No
        // staging, so that the publish waits for the contract rather than copying the block aside.
        using DeisaRuntime runtime = DeisaRuntime.StartInProcess(1, new RuntimeOptions { SimulationRanks = 1 });
        using Bridge bridge = Bridge.Create(runtime, new DeisaMpiOptions { CopyBudgetBytes = 1 << 20, ContractTimeout = Timeout, StagingBytesBeforeContract = 0 });
        bridge.DeclareArray<double>("field", [2, 4], 0, [0], [4]);
        bridge.CommitDeclarations();
        DeisaClient client = runtime.Client;
        var key = client.GetArrays().Layout("field").KeyOf(0, [0]);
        client.CreateExternal([key]);
        using Future<object> arrived = client.GetFuture<object>(key);
        client.ValidateContract();

        PublishHandle handle = bridge.Publish<double>("field", 0, new double[] { 1, 2, 3, 4 });
        Assert.True(handle.Shipped && !handle.Copied && handle.IsCompleted);
        await arrived.WaitAsync().WaitAsync(Timeout);
        bridge.Finish();
        Assert.Equal(0, bridge.Statistics.BlocksCopied);
    }

    [Fact]
    public void RandomPublishesAndCompletions_CopiedExactlyWhileTheBudgetAllows_EachBlockShipsItsOwnValues()
    {
        // Any budget (0 to 3 blocks, exactly in half the draws, with a remainder in the others), any interleaving of
        // publishes and of sends completing, oldest first: a block is copied exactly when the copies still in flight
        // leave room for it, the handle of a copy is complete at once and a lent block's only with its send, and every
        // block ships what was published.
        Gen.Select(Gen.Int[0, 3], Gen.OneOf(Gen.Const(0), Gen.Int[1, BlockBytes - 1]), Gen.Int[0, 1].Array[1, 40]).Sample(
            (blocks, remainder, operations) =>
            {
                using var run = new Run();
                return run.Check((blocks * BlockBytes) + (blocks > 0 ? remainder : 0), operations);
            },
            iter: 60,
            threads: 1);
    }

    private static unsafe double[] Values(OutgoingBlock block)
    {
        Assert.True(block.IsContiguous);
        return new ReadOnlySpan<double>(block.Pointer, block.Count).ToArray();
    }

    /// <summary>One draw of the property: a harness of its own.</summary>
    private sealed class Run : BridgeHarness
    {
        public bool Check(int budget, int[] operations)
        {
            using Bridge bridge = CreateOther(0, new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, CopyBudgetBytes = budget, StagingBytesBeforeContract = 0 });
            bridge.DeclareArray<double>("series", [operations.Length, 4], 0, [0], [4]);
            ContractUpdate contract = ContractUpdate.Rent();
            contract.Entries.Add(new ContractEntry("series", [0], Worker, StepSet.Range(0, operations.Length)));
            SendToBridge(contract);

            var inFlight = new Queue<(OutgoingBlock Block, PublishHandle Handle)>();
            try
            {
                int copies = Play(bridge, budget, operations, inFlight);
                while (inFlight.TryDequeue(out (OutgoingBlock Block, PublishHandle Handle) left))
                {
                    left.Block.Complete(null);
                }

                bridge.Finish();
                Assert.Equal(copies, bridge.Statistics.BlocksCopied);
                return true;
            }
            finally
            {
                // A failed draw lets its sends go, so that disposing the bridge does not wait for them.
                while (inFlight.TryDequeue(out (OutgoingBlock Block, PublishHandle Handle) left))
                {
                    left.Block.Complete(null);
                }
            }
        }

        private int Play(Bridge bridge, int budget, int[] operations, Queue<(OutgoingBlock Block, PublishHandle Handle)> inFlight)
        {
            long copiedBytes = 0;
            int step = 0;
            int copies = 0;
            foreach (int operation in operations)
            {
                if (operation == 1 && inFlight.Count > 0)
                {
                    (OutgoingBlock done, PublishHandle handle) = inFlight.Dequeue();
                    copiedBytes -= done.OwnedBytes;
                    done.Complete(null);
                    Assert.True(handle.IsCompleted);
                    continue;
                }

                bool copy = budget > 0 && copiedBytes + BlockBytes <= budget;
                double[] memory = [step + 0.25, step + 0.5, step + 0.75, step + 1];
                PublishHandle published = bridge.Publish<double>("series", step, memory);
                PutExternal put = Next<PutExternal>(WorkerBox).GetAwaiter().GetResult();
                var block = (OutgoingBlock)put.Value!;
                inFlight.Enqueue((block, published));
                Assert.Equal(copy, published.Copied);
                Assert.True(published.Shipped);
                Assert.Equal(copy, published.IsCompleted);
                if (copy)
                {
                    Array.Fill(memory, double.NaN);
                    copies++;
                }

                Assert.Equal(new TaskKey("series", step, 0), put.Key);
                Assert.Equal([step + 0.25, step + 0.5, step + 0.75, step + 1], Values(block));
                Assert.Equal(copy ? BlockBytes : 0, block.OwnedBytes);
                copiedBytes += block.OwnedBytes;
                step++;
            }

            return copies;
        }
    }
}
