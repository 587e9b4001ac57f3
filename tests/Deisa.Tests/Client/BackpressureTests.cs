using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Tests.Client;

/// <summary>
/// A producer faster than its analytics (each step's task sleeps 15 ms), in one process: with a bound on steps in
/// flight, the worker holds a bounded number of blocks and nothing is lost (Block), or steps are dropped, counted and
/// reported to what needed them (Drop).
/// </summary>
public sealed class BackpressureTests
{
    private const int Steps = 30;
    private const int Cells = 1024;
    private const long BlockBytes = Cells * sizeof(double);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task Block_SlowAnalytics_WorkerHoldsAtMostTheBoundAndNothingIsLost(int limit)
    {
        await using DeisaRuntime runtime = Start(limit, BackpressurePolicy.Block);
        using ExternalProducer producer = runtime.CreateProducer();
        producer.DeclareArrays(Declaration());
        runtime.Client.GetArrays();

        // A running total over the steps: the worker's bytes are the blocks not yet summed (8 KiB each), plus a few
        // 8-byte sums and totals.
        TaskKey[] blocks = [.. Enumerable.Range(0, Steps).Select(Block)];
        runtime.Client.CreateExternal(blocks);
        var graph = new TaskGraph();
        TaskKey total = graph.Add(("sum", 0), TaskSpec.Create(TestOperations.SlowArraySum, blocks[0]));
        for (int t = 1; t < Steps; t++)
        {
            TaskKey sum = graph.Add(("sum", t), TaskSpec.Create(TestOperations.SlowArraySum, blocks[t]));
            total = graph.Add(("total", t), TaskSpec.Create(TestOperations.AddDoubles, total, sum));
        }

        using Future<double> result = runtime.Client.Persist<double>(graph, [total])[0];
        runtime.Client.ValidateContract();
        await producer.WaitForContractAsync(s_timeout);

        long mostHeld = 0;
        for (int t = 0; t < Steps; t++)
        {
            await producer.PutCopyAsync<double>(blocks[t], Values(t), worker: 0).WaitAsync(s_timeout);
            mostHeld = Math.Max(mostHeld, runtime.GetStoredBytes()[0]);
        }

        Assert.Equal(Enumerable.Range(0, Steps).Sum(t => Values(t).Sum()), await result.GetResultAsync().WaitAsync(s_timeout), 9);
        if (limit > 0)
        {
            Assert.True(mostHeld <= (limit * BlockBytes) + 1024, $"The worker held {mostHeld} bytes with at most {limit} steps of {BlockBytes} bytes in flight.");
            Assert.Equal(limit, producer.PeakStepsInFlight);
            Assert.True(producer.Blocked > TimeSpan.Zero, "The producer never waited, though the analytics are slower.");
        }
        else
        {
            // Without a bound the producer runs ahead: what the bounded run must not do.
            Assert.True(mostHeld >= Steps / 2 * BlockBytes, $"Without a bound the worker held only {mostHeld} bytes: the test does not load it.");
        }

        Assert.Equal(0, producer.BlocksDropped);
    }

    [Fact]
    public async Task Drop_SlowAnalytics_DroppedStepsCountedAndTheirResultsErrSayingSo()
    {
        await using DeisaRuntime runtime = Start(1, BackpressurePolicy.Drop);
        using ExternalProducer producer = runtime.CreateProducer();
        producer.DeclareArrays(droppable: true, Declaration());
        runtime.Client.GetArrays();
        TaskKey[] blocks = [.. Enumerable.Range(0, Steps).Select(Block)];
        runtime.Client.CreateExternal(blocks);
        var graph = new TaskGraph();
        TaskKey[] sums = [.. Enumerable.Range(0, Steps).Select(t => graph.Add(("sum", t), TaskSpec.Create(TestOperations.SlowArraySum, blocks[t])))];
        IReadOnlyList<Future<double>> results = runtime.Client.Persist<double>(graph, sums);
        runtime.Client.ValidateContract();
        await producer.WaitForContractAsync(s_timeout);

        for (int t = 0; t < Steps; t++)
        {
            await producer.PutCopyAsync<double>(blocks[t], Values(t), worker: 0).WaitAsync(s_timeout);
        }

        int dropped = 0;
        for (int t = 0; t < Steps; t++)
        {
            try
            {
                Assert.Equal(Values(t).Sum(), await results[t].GetResultAsync().WaitAsync(s_timeout), 9);
            }
            catch (TaskFailedException error)
            {
                dropped++;
                Assert.Contains("dropped", error.ToString(), StringComparison.Ordinal);
                Assert.Contains($"step {t}", error.ToString(), StringComparison.Ordinal);
            }

            results[t].Dispose();
        }

        Assert.True(dropped > 0, "Nothing was dropped though the analytics are slower and one step may be in flight.");
        Assert.True(dropped < Steps, "Everything was dropped.");
        Assert.Equal(dropped, producer.BlocksDropped);
        Assert.Equal(1, producer.PeakStepsInFlight);
    }

    [Fact]
    public async Task Block_AnalyticsHoldAStepForGood_TimesOutNamingTheHeldStep()
    {
        await using DeisaRuntime runtime = Start(1, BackpressurePolicy.Block, TimeSpan.FromSeconds(1));
        using ExternalProducer producer = runtime.CreateProducer();
        producer.DeclareArrays(Declaration());
        runtime.Client.GetArrays();
        TaskKey[] blocks = [Block(0), Block(1)];
        runtime.Client.CreateExternal(blocks);

        // A future on the raw block of step 0 keeps it on the worker: the window never moves past it.
        var graph = new TaskGraph();
        TaskKey copy = graph.Add("copy", TaskSpec.Create(TestOperations.ArraySum, blocks[1]));
        using Future held = runtime.Client.Persist(new TaskGraph(), [blocks[0]])[0];
        using Future other = runtime.Client.Persist(graph, [copy])[0];
        runtime.Client.ValidateContract();
        await producer.WaitForContractAsync(s_timeout);
        await producer.PutCopyAsync<double>(blocks[0], Values(0), worker: 0).WaitAsync(s_timeout);

        DeisaTimeoutException error = await Assert.ThrowsAsync<DeisaTimeoutException>(() => producer.PutCopyAsync<double>(blocks[1], Values(1), worker: 0).WaitAsync(s_timeout));
        Assert.Contains("step 0 (1 block(s))", error.Message, StringComparison.Ordinal);
        Assert.Contains("to ship step 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StepWindow_CloseWakesAWaiter_WhichReturnsFalse()
    {
        var window = new StepWindow(1, "test");
        Assert.True(window.TryShip(0));
        Assert.False(window.TryShip(1));
        Task<bool> waiting = window.WaitForRoomAsync(1, s_timeout);
        Assert.False(waiting.IsCompleted);
        window.Close();
        Assert.False(await waiting.WaitAsync(s_timeout));

        var other = new StepWindow(2, "test");
        Assert.True(other.TryShip(0));
        Assert.True(other.TryShip(0));
        Assert.True(other.TryShip(1));
        Assert.False(other.TryShip(2));
        Assert.True(other.HasRoom(1));
        Assert.False(other.HasRoom(2));
        other.Released(0);
        Assert.False(other.HasRoom(2));
        other.Released(0);
        Assert.True(other.HasRoom(2));
        Assert.Equal(2, other.PeakStepsInFlight);
    }

    [Fact]
    public async Task StepWindow_BlockingWait_WokenByTheReleaseThatMakesRoom_NotByOneThatDoesNot()
    {
        var window = new StepWindow(1, "test");
        Assert.True(window.TryShip(0));
        Assert.True(window.TryShip(0));
        Task<bool> waiting = Task.Run(() => window.WaitForRoom(1, s_timeout));
        window.Released(0);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted, "The wait ended while step 0 still had a block held.");
        window.Released(0);
        Assert.True(await waiting.WaitAsync(s_timeout));
        Assert.True(window.Waited > TimeSpan.Zero);
    }

    [Fact]
    public async Task StepWindow_BlockingWait_CloseWakesIt_AndATimeoutNamesTheHeldStep()
    {
        var closing = new StepWindow(1, "test");
        Assert.True(closing.TryShip(0));
        Task<bool> waiting = Task.Run(() => closing.WaitForRoom(1, s_timeout));
        await Task.Delay(50);
        closing.Close();
        Assert.False(await waiting.WaitAsync(s_timeout));

        var held = new StepWindow(1, "simulation rank 2");
        Assert.True(held.TryShip(5));
        Assert.True(held.WaitForRoom(5, TimeSpan.FromMilliseconds(1)), "A block of a step already in flight waited for room.");
        DeisaTimeoutException error = Assert.Throws<DeisaTimeoutException>(() => held.WaitForRoom(6, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("simulation rank 2 waited 0.2 s to ship step 6", error.Message, StringComparison.Ordinal);
        Assert.Contains("the workers still hold step 5 (1 block(s))", error.Message, StringComparison.Ordinal);
    }

    private static DeisaRuntime Start(int limit, BackpressurePolicy policy, TimeSpan? timeout = null) => DeisaRuntime.StartInProcess(1, new RuntimeOptions
    {
        Operations = TestOperations.Registry,
        SimulationRanks = 1,
        ThreadsPerWorker = 1,
        ValidateScheduler = true,
        Backpressure = new BackpressureOptions { MaxStepsInFlight = limit, Policy = policy, Timeout = timeout ?? s_timeout },
    });

    private static ArrayDeclaration Declaration() => new("field", ElementType.Float64, [Steps, Cells], 0, [0], [Cells], ["t", "x"]);

    private static TaskKey Block(int step) => ("field", step, 0);

    private static double[] Values(int step) => [.. Enumerable.Range(0, Cells).Select(i => (step * 10.0) + i)];
}
