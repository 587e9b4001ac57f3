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
/// The bridge's bound on steps in flight, without MPI: the test plays the scheduler and the worker on in-process
/// mailboxes, completes the sends and lets blocks go by hand.
/// </summary>
public sealed class BridgeBackpressureTests : IDisposable
{
    private static readonly EndpointId s_scheduler = EndpointId.Scheduler(9);
    private static readonly EndpointId s_worker = EndpointId.Worker(8);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly InProcessTransport _transport = new();
    private readonly Mailbox _schedulerBox;
    private readonly Mailbox _workerBox;

    public BridgeBackpressureTests()
    {
        _schedulerBox = _transport.Open(s_scheduler);
        _workerBox = _transport.Open(s_worker);
    }

    public void Dispose()
    {
        _schedulerBox.Dispose();
        _workerBox.Dispose();
    }

    [Fact]
    public async Task Drop_BoundReached_DroppableStepNotShippedAndTheSchedulerTold_ThenShipsOnceReleased()
    {
        using Bridge bridge = Start(BackpressurePolicy.Drop, droppable: true);

        Assert.False(bridge.Publish<double>("field", 0, new double[4]).IsCompleted);
        PutExternal first = await Next<PutExternal>(_workerBox);
        Assert.True(first.NotifyRelease);
        ((OutgoingBlock)first.Value!).Complete(null);

        Assert.True(bridge.Publish<double>("field", 1, new double[4]).IsCompleted);
        DropExternal drop = await Next<DropExternal>(_schedulerBox);
        Assert.Equal([new TaskKey("field", 1, 0)], drop.Keys);
        Assert.Contains("1 step(s) in flight, the limit", drop.Reason, StringComparison.Ordinal);

        Release(new TaskKey("field", 0, 0));
        await WaitUntil(() => bridge.StepsInFlight == 0);
        bridge.Publish<double>("field", 2, new double[4]);
        PutExternal third = await Next<PutExternal>(_workerBox);
        Assert.Equal(new TaskKey("field", 2, 0), third.Key);
        ((OutgoingBlock)third.Value!).Complete(null);

        Assert.Equal((2L, 1L), (bridge.Statistics.BlocksShipped, bridge.Statistics.BlocksDropped));
        bridge.Finish();
        ProducerFinished finished = await Next<ProducerFinished>(_schedulerBox);
        Assert.DoesNotContain(new TaskKey("field", 1, 0), finished.Missing);
    }

    [Fact]
    public async Task Publish_ContractedStepPassedOver_TheSchedulerToldAtOnceNamingRankAndStep()
    {
        using Bridge bridge = Start(BackpressurePolicy.Block, droppable: false, bound: false);
        bridge.Publish<double>("field", 0, new double[4]);
        ((OutgoingBlock)(await Next<PutExternal>(_workerBox)).Value!).Complete(null);

        bridge.Publish<double>("field", 3, new double[4]);

        // Before Finish: whoever waits on steps 1 and 2 fails now, not at the end of the run.
        DropExternal skipped = await Next<DropExternal>(_schedulerBox);
        Assert.True(skipped.Skipped);
        Assert.Equal([new TaskKey("field", 1, 0), new TaskKey("field", 2, 0)], skipped.Keys);
        Assert.Equal("published step 3 of 'field' without it", skipped.Reason);
        ((OutgoingBlock)(await Next<PutExternal>(_workerBox)).Value!).Complete(null);
        bridge.Finish();
        ProducerFinished finished = await Next<ProducerFinished>(_schedulerBox);
        Assert.Empty(finished.Missing);
        Assert.Equal([("field", 3)], finished.LastSteps);
    }

    [Fact]
    public async Task Block_BoundReached_PublishWaitsForTheReleaseThenShips()
    {
        using Bridge bridge = Start(BackpressurePolicy.Block, droppable: false);
        bridge.Publish<double>("field", 0, new double[4]);
        ((OutgoingBlock)(await Next<PutExternal>(_workerBox)).Value!).Complete(null);

        Task<PublishHandle> second = Task.Run(() => bridge.Publish<double>("field", 1, new double[4]));
        await Task.Delay(200);
        Assert.False(second.IsCompleted, "The second step shipped while the first was still held.");
        Release(new TaskKey("field", 0, 0));
        await second.WaitAsync(s_timeout);
        ((OutgoingBlock)(await Next<PutExternal>(_workerBox)).Value!).Complete(null);
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
        Assert.True(_workerBox.Reader.TryRead(out Message? put) && put is PutExternal p);
        ((OutgoingBlock)((PutExternal)put).Value!).Complete(null);
    }

    private static async Task<T> Next<T>(Mailbox box)
        where T : Message
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        while (true)
        {
            Message message = await box.Reader.ReadAsync(timeout.Token);
            if (message is T wanted)
            {
                return wanted;
            }
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < s_timeout, "The condition never held.");
            await Task.Delay(10);
        }
    }

    private Bridge Start(BackpressurePolicy policy, bool droppable, TimeSpan? timeout = null, bool bound = true)
    {
        var bridge = new Bridge(_transport.Open(EndpointId.Producer(0)), s_scheduler, 0, new DeisaMpiOptions
        {
            ContractTimeout = s_timeout,
            SendTimeout = s_timeout,
            Backpressure = bound ? new BackpressureOptions { MaxStepsInFlight = 1, Policy = policy, Timeout = timeout ?? s_timeout } : new BackpressureOptions(),
        });
        bridge.DeclareArray<double>("field", [5, 4], 0, [0], [4], ["t", "x"], droppable);
        ContractUpdate contract = ContractUpdate.Rent();
        contract.Entries.Add(new ContractEntry("field", [0], s_worker, StepSet.Range(0, 5)));
        _schedulerBox.Send(EndpointId.Producer(0), contract);

        // These tests are about shipping once the contract is known, not about staging before it.
        bridge.WaitForContract();
        return bridge;
    }

    private void Release(TaskKey key)
    {
        KeysReleased released = KeysReleased.Rent();
        released.Keys.Add(key);
        _workerBox.Send(EndpointId.Producer(0), released);
    }
}
