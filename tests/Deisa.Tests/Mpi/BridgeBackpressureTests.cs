using Deisa.Core.Arrays;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;
using Deisa.Mpi.Transport;

namespace Deisa.Tests.Mpi;

/// <summary>
/// The bridge's bound on steps in flight, without MPI (<see cref="BridgeHarness"/>).
/// </summary>
public sealed class BridgeBackpressureTests : BridgeHarness
{
    [Fact]
    public async Task Drop_BoundReached_DroppableStepNotShippedAndTheSchedulerTold_ThenShipsOnceReleased()
    {
        using Bridge bridge = Start(BackpressurePolicy.Drop, droppable: true);

        Assert.False(bridge.Publish<double>("field", 0, new double[4]).IsCompleted);
        PutExternal first = await Next<PutExternal>(WorkerBox);
        Assert.True(first.NotifyRelease);
        ((OutgoingBlock)first.Value!).Complete(null);

        Assert.True(bridge.Publish<double>("field", 1, new double[4]).IsCompleted);
        DropExternal drop = await Next<DropExternal>(SchedulerBox);
        Assert.Equal([new TaskKey("field", 1, 0)], drop.Keys);
        Assert.Contains("1 step(s) in flight, the limit", drop.Reason, StringComparison.Ordinal);

        Release(new TaskKey("field", 0, 0));
        await WaitUntil(() => bridge.StepsInFlight == 0);
        bridge.Publish<double>("field", 2, new double[4]);
        PutExternal third = await Next<PutExternal>(WorkerBox);
        Assert.Equal(new TaskKey("field", 2, 0), third.Key);
        ((OutgoingBlock)third.Value!).Complete(null);

        Assert.Equal((2L, 1L), (bridge.Statistics.BlocksShipped, bridge.Statistics.BlocksDropped));
        bridge.Finish();
        ProducerFinished finished = await Next<ProducerFinished>(SchedulerBox);
        Assert.DoesNotContain(new TaskKey("field", 1, 0), finished.Missing);
    }

    [Fact]
    public async Task Publish_ContractedStepPassedOver_TheSchedulerToldAtOnceNamingRankAndStep()
    {
        using Bridge bridge = Start(BackpressurePolicy.Block, droppable: false, bound: false);
        bridge.Publish<double>("field", 0, new double[4]);
        ((OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!).Complete(null);

        bridge.Publish<double>("field", 3, new double[4]);

        // Before Finish: whoever waits on steps 1 and 2 fails now, not at the end of the run.
        DropExternal skipped = await Next<DropExternal>(SchedulerBox);
        Assert.True(skipped.Skipped);
        Assert.Equal([new TaskKey("field", 1, 0), new TaskKey("field", 2, 0)], skipped.Keys);
        Assert.Equal("published step 3 of 'field' without it", skipped.Reason);
        ((OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!).Complete(null);
        bridge.Finish();
        ProducerFinished finished = await Next<ProducerFinished>(SchedulerBox);
        Assert.Empty(finished.Missing);
        Assert.Equal([("field", 3)], finished.LastSteps);
    }

    [Fact]
    public async Task Block_BoundReached_PublishWaitsForTheReleaseThenShips()
    {
        using Bridge bridge = Start(BackpressurePolicy.Block, droppable: false);
        bridge.Publish<double>("field", 0, new double[4]);
        ((OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!).Complete(null);

        Task<PublishHandle> second = Task.Run(() => bridge.Publish<double>("field", 1, new double[4]));
        await Task.Delay(200);
        Assert.False(second.IsCompleted, "The second step shipped while the first was still held.");
        Release(new TaskKey("field", 0, 0));
        await second.WaitAsync(Timeout);
        ((OutgoingBlock)(await Next<PutExternal>(WorkerBox)).Value!).Complete(null);
        Assert.True(bridge.Statistics.BlockedSeconds > 0);
    }

    [Fact]
    public void Block_NeverReleased_TimesOutNamingTheRankAndTheHeldStep()
    {
        using Bridge bridge = Start(BackpressurePolicy.Block, droppable: false, timeout: TimeSpan.FromMilliseconds(300));
        bridge.Publish<double>("field", 0, new double[4]);

        DeisaTimeoutException error = Assert.Throws<DeisaTimeoutException>(() => bridge.Publish<double>("field", 1, new double[4]));
        Assert.Contains("Simulation rank 0 waited", error.Message, StringComparison.Ordinal);
        Assert.Contains("still hold step 0 (1 block(s))", error.Message, StringComparison.Ordinal);
        Assert.True(WorkerBox.Reader.TryRead(out Message? put) && put is PutExternal p);
        ((OutgoingBlock)((PutExternal)put).Value!).Complete(null);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, "The condition never held.");
            await Task.Delay(10);
        }
    }

    private Bridge Start(BackpressurePolicy policy, bool droppable, TimeSpan? timeout = null, bool bound = true)
    {
        Bridge bridge = Create(
            new DeisaMpiOptions
            {
                ContractTimeout = Timeout,
                SendTimeout = Timeout,
                Backpressure = bound ? new BackpressureOptions { MaxStepsInFlight = 1, Policy = policy, Timeout = timeout ?? Timeout } : new BackpressureOptions(),
            },
            droppable);
        SendContract(StepSet.Range(0, 5));

        // These tests are about shipping once the contract is known, not about staging before it.
        bridge.WaitForContract();
        return bridge;
    }
}
