using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Transport;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Client;

public sealed class InProcessRuntimeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static DeisaRuntime Start(int workers = 2, bool serialize = false) => DeisaRuntime.StartInProcess(
        workers,
        new RuntimeOptions { Operations = Registry, ValidateScheduler = true, Transport = serialize ? TransportNames.InProcessSerialized : TransportNames.InProcess, ThreadsPerWorker = 2 });

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    public void Submit_Chain_ReturnsValue(int workers, bool serialize)
    {
        using DeisaRuntime runtime = Start(workers, serialize);
        var graph = new TaskGraph();
        TaskKey previous = graph.Add(("x", 0), TaskSpec.Create(Const, 1));
        for (int i = 1; i < 50; i++)
        {
            previous = graph.Add(("x", i), TaskSpec.Create(Add, previous, i));
        }

        long result = runtime.Client.Compute<long>(graph, previous, s_timeout);

        Assert.Equal(1 + (49 * 50 / 2), result);
    }

    [Theory]
    [InlineData("tcp", "Unknown transport 'tcp': the transports are 'inproc', 'inproc-serialized', 'mpi'.")]
    [InlineData("mpi", "launch under mpiexec.mpich and start a DeisaSession")]
    public void StartInProcess_TransportNotInProcess_RefusedSayingWhich(string name, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => DeisaRuntime.StartInProcess(1, new RuntimeOptions { Transport = name }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Persist_FanInAcrossWorkers_SumsEveryBlock()
    {
        await using DeisaRuntime runtime = Start(workers: 3);
        var graph = new TaskGraph();
        var leaves = new List<TaskKey>();
        for (int i = 0; i < 100; i++)
        {
            leaves.Add(graph.Add(("leaf", i), TaskSpec.Create(Inc, i)));
        }

        TaskKey total = graph.Add("total", TaskSpec.Create(Sum, TaskArg.FromKeys(leaves)));

        IReadOnlyList<Future> futures = runtime.Client.Persist(graph);

        Future only = Assert.Single(futures);
        Assert.Equal(total, only.Key);
        Assert.Equal(5050L, await only.GetResultAsync());
        only.Dispose();
    }

    [Fact]
    public async Task TaskThrows_DependentFutureFails_WithOriginalExceptionAndStory()
    {
        await using DeisaRuntime runtime = Start();
        var graph = new TaskGraph();
        TaskKey bad = graph.Add("bad", TaskSpec.Create(Fail, "boom"));
        TaskKey after = graph.Add("after", TaskSpec.Create(Inc, bad));

        using Future<long> future = runtime.Client.Persist<long>(graph, [after])[0];

        TaskFailedException error = await Assert.ThrowsAsync<TaskFailedException>(() => future.GetResultAsync());
        Assert.Equal(after, error.Key);
        Assert.Equal(bad, error.CauseKey);
        InvalidOperationException inner = Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal("boom", inner.Message);
        Assert.Contains("Processing -> Erred", error.Story, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExternalKeys_ProducerPuts_DependentsRun()
    {
        await using DeisaRuntime runtime = Start();
        TaskKey[] blocks = [("global_t", 0, 0), ("global_t", 0, 1)];
        runtime.Client.CreateExternal(blocks);
        var graph = new TaskGraph();
        TaskKey s0 = graph.Add(("s", 0), TaskSpec.Create(ArraySum, blocks[0]));
        TaskKey s1 = graph.Add(("s", 1), TaskSpec.Create(ArraySum, blocks[1]));
        TaskKey total = graph.Add("total", TaskSpec.Local<double, double, double>(static (a, b) => a + b, s0, s1));
        using Future<double> future = runtime.Client.Persist<double>(graph, [total])[0];
        Assert.Equal(FutureStatus.Pending, future.Status);

        using ExternalProducer producer = runtime.CreateProducer();
        await producer.PutCopyAsync<double>(blocks[0], [1, 2, 3], worker: 0);
        await producer.PutAsync(blocks[1], new double[] { 10, 20 }, worker: 1);

        Assert.Equal(36.0, await future.GetResultAsync().WaitAsync(s_timeout));
    }

    [Fact]
    public async Task PutTwice_SecondPutFails_FirstValueKept()
    {
        await using DeisaRuntime runtime = Start();
        TaskKey key = ("data", 1);
        runtime.Client.CreateExternal([key]);
        using Future<long> future = runtime.Client.GetFuture<long>(key);
        using ExternalProducer producer = runtime.CreateProducer();

        await producer.PutAsync(key, 7L, worker: 0);
        ExternalDataException error = await Assert.ThrowsAsync<ExternalDataException>(() => producer.PutAsync(key, 8L, worker: 1));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(7L, await future.GetResultAsync());
    }

    [Fact]
    public async Task FailExternal_DependentsErr_WithReason()
    {
        await using DeisaRuntime runtime = Start();
        TaskKey key = ("global_t", 57, 1, 0);
        runtime.Client.CreateExternal([key]);
        using Future<long> future = runtime.Client.Submit<long>("next", TaskSpec.Create(Inc, key));

        runtime.Client.FailExternal(key, "the simulation finished early");

        TaskFailedException error = await Assert.ThrowsAsync<TaskFailedException>(() => future.GetResultAsync());
        ExternalDataException inner = Assert.IsType<ExternalDataException>(error.InnerException);
        Assert.Contains("('global_t', 57, 1, 0)", inner.Message, StringComparison.Ordinal);
        Assert.Contains("the simulation finished early", inner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shutdown_WhileWaitingOnExternal_FailsFutureNamingKey()
    {
        DeisaRuntime runtime = Start();
        TaskKey key = ("global_t", 3, 0, 0);
        runtime.Client.CreateExternal([key]);
        Future<long> future = runtime.Client.Submit<long>("later", TaskSpec.Create(Inc, key));
        Task<long> waiting = future.GetResultAsync();

        await runtime.DisposeAsync();

        RuntimeShutdownException error = await Assert.ThrowsAsync<RuntimeShutdownException>(() => waiting.WaitAsync(s_timeout));
        Assert.Contains("'later'", error.Message, StringComparison.Ordinal);
        Assert.Contains("waiting for dependencies", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shutdown_WhileUserCodeRuns_DoesNotWaitForIt_FutureFails()
    {
        var runtime = DeisaRuntime.StartInProcess(1, new RuntimeOptions { Operations = Registry, ShutdownTimeout = TimeSpan.FromMilliseconds(200) });
        Future<long> slow = runtime.Client.Submit<long>("slow", TaskSpec.Create(Sleep, 3000));
        await WaitUntil(() => runtime.GetStoredCounts()[0] == 0 && slow.Status == FutureStatus.Pending);

        await runtime.DisposeAsync().AsTask().WaitAsync(s_timeout);

        RuntimeShutdownException error = await Assert.ThrowsAsync<RuntimeShutdownException>(() => slow.GetResultAsync());
        Assert.Contains("still running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_Cycle_ThrowsNamingKeys()
    {
        using DeisaRuntime runtime = Start();
        var graph = new TaskGraph();
        graph.Add("a", TaskSpec.Create(Inc, new TaskKey("c")));
        graph.Add("b", TaskSpec.Create(Inc, new TaskKey("a")));
        graph.Add("c", TaskSpec.Create(Inc, new TaskKey("b")));

        GraphCycleException error = Assert.Throws<GraphCycleException>(() => runtime.Client.Persist(graph, [new TaskKey("c")]));

        Assert.Equal(3, error.Cycle.Count);
        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_UnknownDependency_ThrowsNamingBoth()
    {
        using DeisaRuntime runtime = Start();

        UnknownDependencyException error = Assert.Throws<UnknownDependencyException>(
            () => runtime.Client.Submit("x", TaskSpec.Create(Inc, new TaskKey("missing", 4))));

        Assert.Equal(new TaskKey("x"), error.Key);
        Assert.Equal(new TaskKey("missing", 4), error.Dependency);
    }

    [Fact]
    public void Submit_SameKeyOtherSpec_ThrowsDuplicate()
    {
        using DeisaRuntime runtime = Start();
        using Future first = runtime.Client.Submit("k", TaskSpec.Create(Const, 1));

        Assert.Throws<DuplicateKeyException>(() => runtime.Client.Submit("k", TaskSpec.Create(Const, 2)));
        using Future same = runtime.Client.Submit("k", TaskSpec.Create(Const, 1));
        Assert.Equal(1L, same.Result(s_timeout));
    }

    [Fact]
    public void Serialized_LocalDelegate_RefusedAtSubmit()
    {
        using DeisaRuntime runtime = Start(serialize: true);
        int captured = 3;

        ArgumentException error = Assert.Throws<ArgumentException>(
            () => runtime.Client.Submit("local", TaskSpec.Local(() => captured)));

        Assert.Contains("local delegate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeFutures_ValuesFreedOnWorkers()
    {
        await using DeisaRuntime runtime = Start();
        var futures = new List<Future>();
        for (int i = 0; i < 20; i++)
        {
            futures.Add(runtime.Client.Submit(("v", i), TaskSpec.Create(Const, i)));
        }

        object?[] values = await runtime.Client.GatherAsync(futures);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (object?)(long)i), values);
        Assert.Equal(20, runtime.GetStoredCounts().Sum());

        foreach (Future future in futures)
        {
            future.Dispose();
        }

        await WaitUntil(() => runtime.GetStoredCounts().Sum() == 0);
        Assert.Equal(0, runtime.Client.HeldKeyCount);
    }

    [Fact]
    public async Task PooledExternal_ReleasedAfterUse_BufferReturned()
    {
        var pool = new BufferPool();
        await using DeisaRuntime runtime = Start();
        TaskKey key = ("block", 0);
        runtime.Client.CreateExternal([key]);
        using Future<double> sum = runtime.Client.Submit<double>("sum", TaskSpec.Create(ArraySum, key));
        using ExternalProducer producer = runtime.CreateProducer();

        await producer.PutAsync(key, PooledArray<double>.CopyFrom([1.5, 2.5], pool), worker: 1);

        Assert.Equal(4.0, await sum.GetResultAsync());
        await WaitUntil(() => pool.OutstandingCount == 0);
        Assert.Equal(1, pool.RentedCount);
    }

    [Fact]
    public async Task Dispose_ValuesStillStored_BuffersReturnedToPool()
    {
        // A runtime stopped while its workers still hold pooled values (results the analytics never released, blocks
        // of an interrupted run) gives the buffers back: the pool's accounting stays exact across runtimes.
        var pool = new BufferPool();
        DeisaRuntime runtime = Start();
        TaskKey key = ("kept", 0);
        runtime.Client.CreateExternal([key]);
        Future<object> held = runtime.Client.GetFuture<object>(key);
        using (ExternalProducer producer = runtime.CreateProducer())
        {
            await producer.PutAsync(key, PooledArray<double>.CopyFrom([1, 2, 3], pool), worker: 0);
        }

        // Waits for the key without fetching its value: only the worker holds the buffer.
        Assert.Equal(FutureStatus.Finished, await held.WaitAsync());
        Assert.Equal(1, runtime.GetStoredCounts().Sum());
        Assert.Equal(1, pool.OutstandingCount);

        await runtime.DisposeAsync();

        Assert.Equal(0, pool.OutstandingCount);
        Assert.Equal(0, pool.Statistics.OutstandingBytes);
        held.Dispose();
    }

    [Fact]
    public async Task WaitAsync_NoToken_TheKeysOwnTask_ATokenStopsOnlyItsWait()
    {
        await using DeisaRuntime runtime = Start();
        TaskKey key = ("later", 0);
        runtime.Client.CreateExternal([key]);
        using Future<object> future = runtime.Client.GetFuture<object>(key);

        // Without a token every call returns the key's own task, so a loop that waits per step allocates nothing.
        Task<FutureStatus> first = future.WaitAsync();
        Assert.Same(first, future.WaitAsync());
        Assert.False(first.IsCompleted);

        using var cancel = new CancellationTokenSource();
        Task<FutureStatus> cancellable = future.WaitAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancellable);
        Assert.False(first.IsCompleted);

        using (ExternalProducer producer = runtime.CreateProducer())
        {
            await producer.PutAsync(key, PooledArray<double>.CopyFrom([1.0]), worker: 0);
        }

        Assert.Equal(FutureStatus.Finished, await first.WaitAsync(s_timeout));
        Assert.Equal(FutureStatus.Finished, await future.WaitAsync(cancel.Token));
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }

            await Task.Delay(5);
        }
    }
}
