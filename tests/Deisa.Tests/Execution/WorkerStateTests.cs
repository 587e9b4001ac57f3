using Deisa.Core.Buffers;
using Deisa.Core.Execution;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;
using Deisa.Tests.Scheduling;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Execution;

public sealed class WorkerStateTests
{
    private static readonly EndpointId s_self = EndpointId.Worker(0);
    private static readonly EndpointId s_peer = EndpointId.Worker(1);
    private static readonly EndpointId s_scheduler = EndpointId.Scheduler(0);
    private static readonly EndpointId s_producer = EndpointId.Producer(0);

    [Fact]
    public void ComputeTask_NoDependencies_ExecutesAndReportsFinished()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);

        Feed(worker, Compute("t", TaskSpec.Create(Const, 5)), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();
        worker.ExecutionSucceeded(run.Task, 5L);

        TaskFinished finished = Sent(worker).Single<TaskFinished>(s_scheduler);
        Assert.Equal(new TaskKey("t"), finished.Key);
        Assert.True(worker.Holds("t"));
    }

    [Fact]
    public void ComputeTask_PushTo_ValueSentToTheClientUnasked_AndKept()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        ComputeTask compute = Compute("t", TaskSpec.Create(Const, 5));
        compute.PushTo = EndpointId.Client(0);

        Feed(worker, compute, s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();
        worker.ExecutionSucceeded(run.Task, 5L);

        List<OutgoingMessage> sent = Sent(worker);
        DataReply pushed = sent.Single<DataReply>(EndpointId.Client(0));
        Assert.Equal(0, pushed.RequestId);
        Assert.Equal([new TaskKey("t")], pushed.Keys);
        Assert.Equal([5L], pushed.Values);
        Assert.Equal(new TaskKey("t"), sent.Single<TaskFinished>(s_scheduler).Key);
        Assert.True(worker.Holds("t"));
    }

    [Fact]
    public void ComputeTask_NoPushTo_NothingSentToTheClient()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        Feed(worker, Compute("t", TaskSpec.Create(Const, 5)), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();
        worker.ExecutionSucceeded(run.Task, 5L);

        Sent(worker).None<DataReply>();
    }

    [Fact]
    public void ComputeTask_MissingDependency_FetchedFromHolderThenRuns()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        TaskKey dep = ("b", 1);

        Feed(worker, Compute("t", TaskSpec.Create(Inc, dep), s_peer), s_scheduler);
        GetData request = Sent(worker).Single<GetData>(s_peer);
        Assert.Equal([dep], request.Keys);
        Assert.Empty(worker.ToExecute.ToArray());
        worker.ClearOutputs();

        DataReply reply = DataReply.Rent();
        reply.RequestId = request.RequestId;
        reply.Keys.Add(dep);
        reply.Values.Add(41L);
        Feed(worker, reply, s_peer);

        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        Assert.Equal(41L, run.Resolved[0]);
        worker.ClearOutputs();
        worker.ExecutionSucceeded(run.Task, 42L);
        Assert.False(worker.Holds(dep));
        Assert.True(worker.Holds("t"));
    }

    [Fact]
    public void TwoTasksSameMissingDependency_OneRequest()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 2);
        TaskKey dep = "d";

        Feed(worker, Compute("t1", TaskSpec.Create(Inc, dep), s_peer), s_scheduler);
        List<OutgoingMessage> first = Sent(worker);
        worker.ClearOutputs();
        Feed(worker, Compute("t2", TaskSpec.Create(Inc, dep), s_peer), s_scheduler);

        Assert.Single(first.All<GetData>());
        Sent(worker).None<GetData>();
    }

    [Fact]
    public void DataReply_Missing_DependentErred()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        Feed(worker, Compute("t", TaskSpec.Create(Inc, new TaskKey("gone")), s_peer), s_scheduler);
        GetData request = Sent(worker).Single<GetData>();
        worker.ClearOutputs();

        DataReply reply = DataReply.Rent();
        reply.RequestId = request.RequestId;
        reply.Missing.Add("gone");
        Feed(worker, reply, s_peer);

        TaskErred erred = Sent(worker).Single<TaskErred>(s_scheduler);
        Assert.Contains("'gone'", erred.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, worker.TaskCount);
    }

    [Fact]
    public void Threads_BoundTheTasksStarted()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 2);
        for (int i = 0; i < 5; i++)
        {
            Feed(worker, Compute(("t", i), TaskSpec.Create(Const, i), priority: 10 - i), s_scheduler);
        }

        ExecuteInstruction[] started = worker.ToExecute.ToArray();
        Assert.Equal(2, started.Length);
        worker.ClearOutputs();

        worker.ExecutionSucceeded(started[0].Task, 0L);

        // The highest-priority (lowest number) waiting task goes next.
        Assert.Equal(new TaskKey("t", 4), Assert.Single(worker.ToExecute.ToArray()).Task.Key);
    }

    [Fact]
    public void FreeKeys_WhileExecuting_ResultDroppedNotReported()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        Feed(worker, Compute("t", TaskSpec.Create(Const, 1)), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();

        Feed(worker, Free("t"), s_scheduler);
        var value = PooledArray<double>.Rent(4);
        worker.ExecutionSucceeded(run.Task, value);

        Sent(worker).None<TaskFinished>();
        Assert.False(worker.Holds("t"));
        Assert.Throws<ObjectDisposedException>(() => value.Span.Length);
    }

    [Fact]
    public void FreeKeys_ThenComputeAgainWhileRunning_ReportsOnce()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        Feed(worker, Compute("t", TaskSpec.Create(Const, 1)), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();
        Feed(worker, Free("t"), s_scheduler);
        Feed(worker, Compute("t", TaskSpec.Create(Const, 1)), s_scheduler);
        Assert.Empty(worker.ToExecute.ToArray());

        worker.ExecutionSucceeded(run.Task, 1L);

        Assert.Single(Sent(worker).All<TaskFinished>());
    }

    [Fact]
    public void FreeKeys_ValueStillUsedByLocalTask_KeptUntilTaskEnds()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        Feed(worker, Put("x", 3L), s_producer);
        Feed(worker, Compute("t", TaskSpec.Create(Inc, new TaskKey("x")), s_self), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();

        Feed(worker, Free("x"), s_scheduler);
        Assert.True(worker.Holds("x"));
        worker.ExecutionSucceeded(run.Task, 4L);

        Assert.False(worker.Holds("x"));
    }

    [Fact]
    public void PutExternal_Twice_KeepsFirst_ReportsNotStored()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        var second = PooledArray<double>.Rent(1);

        Feed(worker, Put("x", 1L), s_producer);
        worker.ClearOutputs();
        Feed(worker, Put("x", second), s_producer);

        ExternalArrived arrived = Sent(worker).Single<ExternalArrived>(s_scheduler);
        Assert.False(arrived.Stored);
        Assert.Equal(s_producer, arrived.Producer);
        Assert.Throws<ObjectDisposedException>(() => second.Span.Length);
        DataReply data = GetValue(worker, "x");
        Assert.Equal(1L, data.Values[0]);
    }

    [Fact]
    public void PutExternal_NotifyRelease_ProducerToldOnceTheValueIsGone_AndAtOnceForARefusedDuplicate()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        PutExternal first = Put(("b", 0), 1L);
        first.NotifyRelease = true;
        Feed(worker, first, s_producer);
        Sent(worker).None<KeysReleased>();
        worker.ClearOutputs();

        // A task still uses the value when the scheduler frees it: the release waits for the task.
        Feed(worker, Compute("t", TaskSpec.Create(Inc, new TaskKey("b", 0))), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        worker.ClearOutputs();
        Feed(worker, Free(("b", 0)), s_scheduler);
        Sent(worker).None<KeysReleased>();
        worker.ExecutionSucceeded(run.Task, 2L);
        KeysReleased released = Sent(worker).Single<KeysReleased>(s_producer);
        Assert.Equal([new TaskKey("b", 0)], released.Keys);
        worker.ClearOutputs();

        PutExternal again = Put("t", 3L);
        again.NotifyRelease = true;
        Feed(worker, again, s_producer);
        Assert.Equal([new TaskKey("t")], Sent(worker).Single<KeysReleased>(s_producer).Keys);
    }

    [Fact]
    public void PutExternal_RecordOfAValueLetGo_ReusedForTheNextWithNothingOfTheFirst()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        PutExternal first = Put(("b", 0), 1L);
        first.NotifyRelease = true;
        Feed(worker, first, s_producer);
        Feed(worker, Compute("t", TaskSpec.Create(Inc, new TaskKey("b", 0))), s_scheduler);
        ExecuteInstruction run = Assert.Single(worker.ToExecute.ToArray());
        Feed(worker, Free(("b", 0)), s_scheduler);
        worker.ExecutionSucceeded(run.Task, 2L);
        Assert.Equal([new TaskKey("b", 0)], Sent(worker).Single<KeysReleased>(s_producer).Keys);
        worker.ClearOutputs();

        // The next block takes the freed record: it has its own value and size, no task's use and no producer to tell.
        Feed(worker, Put(("b", 1), 7L), s_producer);
        Assert.Equal(8, Sent(worker).Single<ExternalArrived>(s_scheduler).Nbytes);
        worker.ClearOutputs();
        Feed(worker, Free(("b", 1)), s_scheduler);
        Sent(worker).None<KeysReleased>();
        Assert.False(worker.Holds(("b", 1)));
        Assert.False(worker.Holds(("b", 0)));
        Assert.Equal(8, worker.StoredBytes); // t's result alone
    }

    [Fact]
    public void GetData_PooledValue_RetainedForTheReply()
    {
        var worker = new WorkerState(s_self, s_scheduler, threads: 1);
        var value = PooledArray<double>.CopyFrom([1, 2]);
        Feed(worker, Put("x", value), s_producer);
        worker.ClearOutputs();

        DataReply reply = GetValue(worker, "x");
        Feed(worker, Free("x"), s_scheduler);

        Assert.Equal(2.0, value.Span[1]);
        reply.Return();
        Assert.Throws<ObjectDisposedException>(() => value.Span.Length);
    }

    private static DataReply GetValue(WorkerState worker, TaskKey key)
    {
        GetData get = GetData.Rent();
        get.RequestId = 77;
        get.Keys.Add(key);
        Feed(worker, get, EndpointId.Client(0));
        DataReply reply = Sent(worker).Single<DataReply>(EndpointId.Client(0));
        worker.ClearOutputs();
        return reply;
    }

    private static ComputeTask Compute(TaskKey key, TaskSpec spec, EndpointId? holder = null, long priority = 0)
    {
        ComputeTask message = ComputeTask.Rent();
        message.Key = key;
        message.Spec = spec;
        message.Priority = priority;
        foreach (TaskKey _ in spec.Dependencies)
        {
            message.Holders.Add(holder ?? s_peer);
        }

        return message;
    }

    private static FreeKeys Free(TaskKey key)
    {
        FreeKeys message = FreeKeys.Rent();
        message.Keys.Add(key);
        return message;
    }

    private static PutExternal Put(TaskKey key, object value)
    {
        PutExternal message = PutExternal.Rent();
        message.Key = key;
        message.Value = value;
        message.PutId = 1;
        return message;
    }

    private static void Feed(WorkerState worker, Message message, EndpointId from)
    {
        message.From = from;
        try
        {
            worker.Handle(message);
        }
        finally
        {
            message.Return();
        }
    }

    private static List<OutgoingMessage> Sent(WorkerState worker) => worker.Outbox.ToArray().ToList();
}
