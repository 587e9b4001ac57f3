using Deisa.Core.Arrays;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;
using Deisa.Mpi.Transport;

namespace Deisa.Tests.Mpi;

/// <summary>
/// Publishing before the contract arrives: blocks are copied aside within a budget and the simulation goes on, then
/// shipped in step order (or let go) as the contract says. No MPI (<see cref="BridgeHarness"/>).
/// </summary>
public sealed class BridgeStagingTests : BridgeHarness
{
    [Fact]
    public async Task BeforeTheContract_PublishReturnsAtOnce_ContractedStepsShipInOrderWithTheirOwnValues()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout });
        double[] block = new double[4];
        for (int step = 0; step < 3; step++)
        {
            Array.Fill(block, step + 0.5);
            PublishHandle handle = bridge.Publish<double>("field", step, block);
            Assert.True(handle.Staged && handle.IsCompleted && !handle.Shipped);
        }

        // The simulation reuses its memory at once: what ships is what it published, not what the buffer holds now.
        Array.Fill(block, double.NaN);
        Assert.False(WorkerBox.Reader.TryRead(out _), "A block was shipped before the contract said where.");

        SendContract(StepSet.FromSteps([0, 2, 3]));
        foreach (int step in new[] { 0, 2 })
        {
            PutExternal put = await Next<PutExternal>(WorkerBox);
            Assert.Equal(new TaskKey("field", step, 0), put.Key);
            Assert.Equal(Enumerable.Repeat(step + 0.5, 4), Values(put));
            ((OutgoingBlock)put.Value!).Complete(null);
        }

        // After the contract, zero copy again: the block goes from the caller's memory.
        Array.Fill(block, 3.5);
        PublishHandle direct = bridge.Publish<double>("field", 3, block);
        Assert.False(direct.Staged);
        Assert.True(direct.Shipped);
        PutExternal third = await Next<PutExternal>(WorkerBox);
        Assert.Equal(new TaskKey("field", 3, 0), third.Key);
        ((OutgoingBlock)third.Value!).Complete(null);

        bridge.Finish();
        ProducerFinished finished = await Next<ProducerFinished>(SchedulerBox);
        Assert.Equal([("field", 3)], finished.LastSteps);
        BridgeStatistics stats = bridge.Statistics;
        Assert.Equal((3L, 3L, 1L), (stats.BlocksStaged, stats.BlocksShipped, stats.BlocksSkipped));
        Assert.Equal(0, stats.ContractWaitSeconds);
    }

    [Fact]
    public async Task StagedStepPassedOver_TheSchedulerToldWhenTheContractArrives()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout });
        bridge.Publish<double>("field", 0, new double[4]);
        bridge.Publish<double>("field", 2, new double[4]);

        SendContract(StepSet.Range(0, 5));
        ((OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!).Complete(null);
        DropExternal skipped = await Next<DropExternal>(SchedulerBox);
        Assert.Equal([new TaskKey("field", 1, 0)], skipped.Keys);
        Assert.Equal("published step 2 of 'field' without it", skipped.Reason);
        PutExternal second = await Next<PutExternal>(WorkerBox);
        Assert.Equal(new TaskKey("field", 2, 0), second.Key);
        ((OutgoingBlock)second.Value!).Complete(null);
    }

    [Fact]
    public async Task PublishInteriorBeforeTheContract_TheInteriorIsStagedWithoutItsGhosts()
    {
        using Bridge bridge = CreateOther(0, new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout });
        bridge.DeclareArray<double>("grid", [5, 2, 3], 0, [0, 0], [2, 3], ["t", "y", "x"]);
        double[] field = new double[20];
        for (int i = 0; i < field.Length; i++)
        {
            field[i] = i;
        }

        Assert.True(bridge.PublishInterior<double>("grid", 0, field, ghost: 1).Staged);
        Array.Fill(field, -1);
        ContractUpdate contract = ContractUpdate.Rent();
        contract.Entries.Add(new ContractEntry("grid", [0, 0], EndpointId.Worker(8), StepSet.Range(0, 5)));
        SendToBridge(contract);

        PutExternal put = await Next<PutExternal>(WorkerBox);

        // Rows 1 and 2, columns 1 to 3 of a 4x5 field.
        Assert.Equal([6.0, 7, 8, 11, 12, 13], Values(put));
        ((OutgoingBlock)put.Value!).Complete(null);
    }

    [Fact]
    public async Task BudgetUsedUp_PublishWaitsForTheContract_ThenEverythingShipsInStepOrder()
    {
        // Room for two blocks of four doubles.
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, StagingBytesBeforeContract = 64 });
        Assert.True(bridge.Publish<double>("field", 0, new double[4]).Staged);
        Assert.True(bridge.Publish<double>("field", 1, new double[4]).Staged);

        Task<PublishHandle> third = Task.Run(() => bridge.Publish<double>("field", 2, new double[4]));
        await Task.Delay(200);
        Assert.False(third.IsCompleted, "The publish past the staging budget did not wait for the contract.");

        SendContract(StepSet.Range(0, 5));
        PublishHandle handle = await third.WaitAsync(Timeout);
        Assert.True(handle.Shipped && !handle.Staged);
        for (int step = 0; step < 3; step++)
        {
            PutExternal put = await Next<PutExternal>(WorkerBox);
            Assert.Equal(new TaskKey("field", step, 0), put.Key);
            ((OutgoingBlock)put.Value!).Complete(null);
        }

        Assert.True(bridge.Statistics.ContractWaitSeconds > 0);
    }

    [Fact]
    public async Task StagedSteps_UnderABoundOnStepsInFlight_ShipAsTheWorkersLetGo_AndLaterStepsWaitTheirTurn()
    {
        // The bound is on what the workers hold: three steps are staged under a bound of one, then shipped one by one.
        using Bridge bridge = Create(new DeisaMpiOptions
        {
            ContractTimeout = Timeout,
            SendTimeout = Timeout,
            Backpressure = new BackpressureOptions { MaxStepsInFlight = 1, Timeout = Timeout },
        });
        for (int step = 0; step < 3; step++)
        {
            Assert.True(bridge.Publish<double>("field", step, new double[4]).Staged);
        }

        SendContract(StepSet.Range(0, 5));
        PutExternal first = await Next<PutExternal>(WorkerBox);
        Assert.Equal(new TaskKey("field", 0, 0), first.Key);
        ((OutgoingBlock)first.Value!).Complete(null);

        // Step 3 comes after the staged steps 1 and 2, which wait for room: so does step 3.
        Task<PublishHandle> later = Task.Run(() => bridge.Publish<double>("field", 3, new double[4]));
        await Task.Delay(200);
        Assert.False(later.IsCompleted, "A step overtook a staged one.");
        Assert.Equal(1, bridge.StepsInFlight);
        foreach (int step in new[] { 1, 2, 3 })
        {
            Release(new TaskKey("field", step - 1, 0));
            PutExternal put = await Next<PutExternal>(WorkerBox);
            Assert.Equal(new TaskKey("field", step, 0), put.Key);
            ((OutgoingBlock)put.Value!).Complete(null);
        }

        Assert.True((await later.WaitAsync(Timeout)).Shipped);
        Assert.Equal(1, bridge.Statistics.PeakStepsInFlight);
    }

    [Fact]
    public async Task StagedStepNeverGetsRoom_TheNextPublishFailsAtOnceNamingWhy_InsteadOfWaitingForEachStagedStep()
    {
        Bridge bridge = Create(new DeisaMpiOptions
        {
            ContractTimeout = Timeout,
            SendTimeout = Timeout,
            Backpressure = new BackpressureOptions { MaxStepsInFlight = 1, Timeout = TimeSpan.FromMilliseconds(300) },
        });
        for (int step = 0; step < 3; step++)
        {
            bridge.Publish<double>("field", step, new double[4]);
        }

        // Step 0 ships and is never let go: the drain's wait for room for step 1 times out.
        SendContract(StepSet.Range(0, 5));
        await NextShipped();

        DeisaException error = Assert.Throws<DeisaException>(() => bridge.Publish<double>("field", 3, new double[4]));
        Assert.Contains("Simulation rank 0: shipping the blocks published before the contract arrived failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("to ship step 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("the workers still hold step 0 (1 block(s))", error.Message, StringComparison.Ordinal);

        // Steps 1 and 2 are given up and named, so that whoever waits on them fails instead of hanging.
        DropExternal given = await Next<DropExternal>(SchedulerBox);
        Assert.Equal([new TaskKey("field", 1, 0)], given.Keys);
        Assert.Equal("could not ship step 1 of 'field'", given.Reason);
        Assert.Equal([new TaskKey("field", 2, 0)], (await Next<DropExternal>(SchedulerBox)).Keys);

        // Finish still tells the scheduler this rank is done, then raises the failure.
        Assert.Throws<DeisaException>(bridge.Finish);
        Assert.Equal([("field", 2)], (await Next<ProducerFinished>(SchedulerBox)).LastSteps);
        bridge.Dispose();
    }

    [Fact]
    public async Task ContractRevoked_StagedBlocksLetGo_NothingShipped()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout });
        bridge.Publish<double>("field", 0, new double[4]);
        bridge.Publish<double>("field", 1, new double[4]);

        ContractUpdate revoke = ContractUpdate.Rent();
        revoke.Revoked = true;
        revoke.Reason = "the analytics ended";
        SendToBridge(revoke);
        bridge.WaitForContract();
        bridge.Finish();

        await Next<ProducerFinished>(SchedulerBox);
        Assert.False(WorkerBox.Reader.TryRead(out _), "A block was shipped after the contract was revoked.");
        Assert.Equal((2L, 0L, 2L), (bridge.Statistics.BlocksStaged, bridge.Statistics.BlocksShipped, bridge.Statistics.BlocksSkipped));
    }

    [Fact]
    public void ContractNeverComes_FinishWithStagedBlocks_TimesOutNamingTheContract()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = TimeSpan.FromMilliseconds(300), SendTimeout = Timeout });
        Assert.True(bridge.Publish<double>("field", 0, new double[4]).Staged);

        DeisaTimeoutException error = Assert.Throws<DeisaTimeoutException>(bridge.Finish);
        Assert.Contains("Simulation rank 0 waited 0.3 s for its contract", error.Message, StringComparison.Ordinal);
        Assert.Contains("ValidateContract", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StagingOff_TheFirstPublishWaitsForTheContract()
    {
        using Bridge bridge = Create(new DeisaMpiOptions { ContractTimeout = Timeout, SendTimeout = Timeout, StagingBytesBeforeContract = 0 });

        Task<PublishHandle> first = Task.Run(() => bridge.Publish<double>("field", 0, new double[4]));
        await Task.Delay(200);
        Assert.False(first.IsCompleted, "With staging off, the first publish did not wait for the contract.");
        SendContract(StepSet.Range(0, 5));
        Assert.True((await first.WaitAsync(Timeout)).Shipped);
        ((OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!).Complete(null);
        Assert.Equal(0, bridge.Statistics.BlocksStaged);
    }

    [Fact]
    public void NegativeStagingBudget_RefusedNamingTheSetting()
    {
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(
            () => CreateOther(3, new DeisaMpiOptions { StagingBytesBeforeContract = -1 }));
        Assert.Contains("StagingBytesBeforeContract must be 0", error.Message, StringComparison.Ordinal);
    }

    private static unsafe double[] Values(PutExternal put)
    {
        var block = (OutgoingBlock)put.Value!;
        Assert.True(block.IsContiguous);
        return new ReadOnlySpan<double>(block.Pointer, block.Count).ToArray();
    }
}
