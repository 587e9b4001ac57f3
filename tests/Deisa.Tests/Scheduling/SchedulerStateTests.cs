using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Scheduling;

public sealed class SchedulerStateTests
{
    [Fact]
    public void ComputeTask_DependencyOnOneWorker_GoesToThatWorker()
    {
        var f = new SchedulerFixture(workers: 4);
        f.CreateExternal(("b", 0), ("b", 1));
        f.Submit("s", TaskSpec.Create(Add, new TaskKey("b", 0), new TaskKey("b", 1)));
        f.Arrive(("b", 0), worker: 2, nbytes: 1000);

        List<OutgoingMessage> sent = f.Arrive(("b", 1), worker: 3, nbytes: 10);

        ComputeTask compute = sent.Single<ComputeTask>(f.Workers[2]);
        Assert.Equal([f.Workers[2], f.Workers[3]], compute.Holders);
    }

    [Fact]
    public void RootTasks_SpreadOverWorkers()
    {
        var f = new SchedulerFixture(workers: 3);
        var graph = new TaskGraph();
        for (int i = 0; i < 9; i++)
        {
            graph.Add(("r", i), TaskSpec.Create(Const, i));
        }

        List<OutgoingMessage> sent = f.Submit(graph, graph.Keys.ToArray());

        int[] perWorker = f.Workers.Select(w => sent.Count(o => o.Message is ComputeTask && o.To == w)).ToArray();
        Assert.Equal([3, 3, 3], perWorker);
    }

    [Fact]
    public void TaskFinished_FromWrongWorker_IgnoredAndFreed()
    {
        var f = new SchedulerFixture();
        int worker = f.SubmitAndGetWorker("t", TaskSpec.Create(Const, 1));
        int other = 1 - worker;

        List<OutgoingMessage> sent = f.Finish("t", other);

        Assert.Equal(TaskStatus.Processing, f["t"]);
        Assert.Equal(new TaskKey("t"), Assert.Single(sent.Single<FreeKeys>(f.Workers[other]).Keys));
        sent.None<KeyInMemory>();
    }

    [Fact]
    public void TaskFinished_AfterCancel_FreedOnWorker()
    {
        var f = new SchedulerFixture();
        int worker = f.SubmitAndGetWorker("t", TaskSpec.Create(Const, 1));
        f.Release("t");

        List<OutgoingMessage> sent = f.Finish("t", worker);

        Assert.Equal(TaskStatus.Forgotten, f["t"]);
        Assert.Equal(new TaskKey("t"), Assert.Single(sent.Single<FreeKeys>(f.Workers[worker]).Keys));
    }

    [Fact]
    public void ExternalArrived_Twice_SecondRefusedAndFreed_FirstKept()
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");
        f.Submit("y", TaskSpec.Create(Inc, new TaskKey("x")));
        f.Arrive("x", worker: 0, putId: 1);

        List<OutgoingMessage> sent = f.Arrive("x", worker: 1, putId: 2);

        PutAck ack = sent.Single<PutAck>();
        Assert.Contains("twice", ack.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(new TaskKey("x"), Assert.Single(sent.Single<FreeKeys>(f.Workers[1]).Keys));
        Assert.Equal(0, f.State.GetHolder("x"));
    }

    [Fact]
    public void ExternalArrived_DuplicateOnSameWorkerNotStored_NothingFreed()
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");
        f.Submit("y", TaskSpec.Create(Inc, new TaskKey("x")));
        f.Arrive("x", worker: 0, putId: 1);

        List<OutgoingMessage> sent = f.Arrive("x", worker: 0, stored: false, putId: 2);

        Assert.NotNull(sent.Single<PutAck>().Error);
        sent.None<FreeKeys>();
    }

    [Fact]
    public void ExternalArrived_UnknownKey_RefusedAndFreed()
    {
        var f = new SchedulerFixture();

        List<OutgoingMessage> sent = f.Arrive("nobody", worker: 1);

        Assert.Contains("CreateExternal", sent.Single<PutAck>().Error!.Message, StringComparison.Ordinal);
        Assert.Single(sent.Single<FreeKeys>(f.Workers[1]).Keys);
    }

    [Fact]
    public void ExternalArrived_WithoutAck_RefusalCounted()
    {
        var f = new SchedulerFixture();

        List<OutgoingMessage> sent = f.Arrive("nobody", worker: 0, putId: 0);

        sent.None<PutAck>();
        Assert.Equal(1, f.State.UnacknowledgedRejections);
    }

    [Fact]
    public void ExternalArrived_NobodyWants_FreedAtOnce()
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");

        List<OutgoingMessage> sent = f.Arrive("x", worker: 0);

        Assert.Equal(TaskStatus.Forgotten, f["x"]);
        Assert.Single(sent.Single<FreeKeys>(f.Workers[0]).Keys);
    }

    [Fact]
    public void Message_FromUnknownWorker_Throws()
    {
        var f = new SchedulerFixture();
        TaskFinished message = TaskFinished.Rent();
        message.Key = "t";

        ArgumentException error = Assert.Throws<ArgumentException>(() => f.Feed(message, EndpointId.Worker(99)));

        Assert.Contains("worker@99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateGraph_Refused_AppliesNothing()
    {
        var f = new SchedulerFixture();
        var graph = new TaskGraph();
        graph.Add("ok", TaskSpec.Create(Const, 1));
        graph.Add("bad", TaskSpec.Create(Inc, new TaskKey("missing")));

        List<OutgoingMessage> sent = f.Submit(graph, "ok", "bad");

        ErrorInfo error = sent.Single<RequestReply>().Error!;
        Assert.IsType<UnknownDependencyException>(error.Exception);
        Assert.Equal(0, f.State.TaskCount);
        sent.None<ComputeTask>();
    }

    [Fact]
    public void UpdateGraph_KeyTakenByExternal_Refused()
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");

        List<OutgoingMessage> sent = f.Submit("x", TaskSpec.Create(Const, 1));

        Assert.IsType<DuplicateKeyException>(sent.Single<RequestReply>().Error!.Exception);
        Assert.Equal(TaskStatus.External, f["x"]);
    }

    [Fact]
    public void CreateExternal_KeyTakenByTask_Refused_ExternalAgainAccepted()
    {
        var f = new SchedulerFixture();
        f.Submit("t", TaskSpec.Create(Const, 1));
        f.CreateExternal("x");

        Assert.IsType<DuplicateKeyException>(f.CreateExternal("t").Single<RequestReply>().Error!.Exception);
        Assert.Null(f.CreateExternal("x").Single<RequestReply>().Error);
    }

    [Fact]
    public void FailExternal_NotExternal_Refused()
    {
        var f = new SchedulerFixture();
        f.Submit("t", TaskSpec.Create(Const, 1));

        ErrorInfo error = f.FailExternal("t", "why").Single<RequestReply>().Error!;

        Assert.Contains("only an external key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wanted_AlreadyInMemory_NotifiedAtOnce()
    {
        var f = new SchedulerFixture();
        f.Finish("t", f.SubmitAndGetWorker("t", TaskSpec.Create(Const, 1)));
        f.Release("t");
        f.CreateExternal("x");
        f.Submit("y", TaskSpec.Create(Inc, new TaskKey("x")), wanted: false);
        f.Arrive("x", worker: 1);

        List<OutgoingMessage> sent = f.Submit(new TaskGraph(), "x");

        Assert.Equal(new TaskKey("x"), sent.Single<KeyInMemory>().Key);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PushValues_WorkerToldToSendTheValue_ClientToldNotToFetch(bool push)
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");
        UpdateGraph update = UpdateGraph.Rent();
        update.RequestId = 5;
        update.Keys.Add("y");
        update.Specs.Add(TaskSpec.Create(Inc, new TaskKey("x")));
        update.Wanted.Add("y");
        update.PushValues = push;
        f.Feed(update, SchedulerFixture.Client);

        ComputeTask compute = f.Arrive("x", worker: 1).Single<ComputeTask>(f.Workers[1]);
        Assert.Equal(push ? SchedulerFixture.Client : null, compute.PushTo);
        Assert.Equal(push, f.Finish("y", worker: 1).Single<KeyInMemory>(SchedulerFixture.Client).Pushed);
    }

    [Fact]
    public void PushValues_KeySubmittedAgainWithoutAsking_ClientFetchesIt()
    {
        var f = new SchedulerFixture();
        UpdateGraph update = UpdateGraph.Rent();
        update.RequestId = 7;
        update.Keys.Add("t");
        update.Specs.Add(TaskSpec.Create(Const, 1));
        update.Wanted.Add("t");
        update.PushValues = true;
        OutgoingMessage dispatched = Assert.Single(f.Feed(update, SchedulerFixture.Client), o => o.Message is ComputeTask);
        int worker = Array.IndexOf(f.Workers, dispatched.To);
        Assert.True(f.Finish("t", worker).Single<KeyInMemory>(SchedulerFixture.Client).Pushed);
        f.Release("t");

        int again = f.SubmitAndGetWorker("t", TaskSpec.Create(Const, 1));

        Assert.False(f.Finish("t", again).Single<KeyInMemory>(SchedulerFixture.Client).Pushed);
    }

    [Fact]
    public void PushValues_KeyAlreadyInMemory_ClientFetchesIt()
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");
        f.Submit("y", TaskSpec.Create(Inc, new TaskKey("x")), wanted: false);
        f.Arrive("x", worker: 1);
        UpdateGraph update = UpdateGraph.Rent();
        update.RequestId = 6;
        update.Wanted.Add("x");
        update.PushValues = true;

        Assert.False(f.Feed(update, SchedulerFixture.Client).Single<KeyInMemory>(SchedulerFixture.Client).Pushed);
    }

    [Fact]
    public void Erred_PropagatesThroughChain_AllDependentsErred()
    {
        var f = new SchedulerFixture();
        f.CreateExternal("x");
        var graph = new TaskGraph();
        TaskKey a = graph.Add("a", TaskSpec.Create(Inc, new TaskKey("x")));
        TaskKey b = graph.Add("b", TaskSpec.Create(Inc, a));
        TaskKey c = graph.Add("c", TaskSpec.Create(Add, a, b));
        f.Submit(graph, c);

        List<OutgoingMessage> sent = f.FailExternal("x", "stopped");

        KeyErred erred = sent.Single<KeyErred>();
        Assert.Equal(c, erred.Key);
        Assert.Equal(new TaskKey("x"), erred.CauseKey);
        Assert.Equal(TaskStatus.Erred, f[c]);
        Assert.Equal(TaskStatus.Forgotten, f[a]);
    }

    [Fact]
    public void ChainOfSteps_IntermediateValuesFreedAsSoonAsUsed()
    {
        var f = new SchedulerFixture(workers: 1);
        var graph = new TaskGraph();
        TaskKey previous = graph.Add(("s", 0), TaskSpec.Create(Const, 0));
        for (int i = 1; i < 5; i++)
        {
            previous = graph.Add(("s", i), TaskSpec.Create(Inc, previous));
        }

        f.Submit(graph, previous);
        for (int i = 0; i < 4; i++)
        {
            List<OutgoingMessage> sent = f.Finish(("s", i), worker: 0);
            if (i > 0)
            {
                Assert.Equal(new TaskKey("s", i - 1), Assert.Single(sent.Single<FreeKeys>().Keys));
            }
        }

        Assert.Equal(2, f.State.TaskCount);
    }

    [Fact]
    public void Story_RecordsStimuli_InOrder()
    {
        var f = new SchedulerFixture();
        f.Finish("t", f.SubmitAndGetWorker("t", TaskSpec.Create(Const, 1)));

        IReadOnlyList<TransitionRecord> story = f.State.Story("t");

        Assert.Equal(
            [(TaskStatus.Released, TaskStatus.Waiting), (TaskStatus.Waiting, TaskStatus.Processing), (TaskStatus.Processing, TaskStatus.Memory)],
            story.Select(r => (r.From, r.To)).ToArray());
        Assert.Equal(MessageKind.UpdateGraph, story[0].Stimulus.Kind);
        Assert.Equal(MessageKind.TaskFinished, story[2].Stimulus.Kind);
        Assert.True(story[2].Stimulus.Sequence > story[1].Stimulus.Sequence);
    }

    [Fact]
    public void Story_RingBounded_KeepsMostRecent()
    {
        var f = new SchedulerFixture(workers: 1);
        var state = new SchedulerState(SchedulerFixture.Client, f.Workers, new SchedulerOptions { StoryCapacity = 4 });
        UpdateGraph update = UpdateGraph.Rent();
        for (int i = 0; i < 10; i++)
        {
            update.Keys.Add(("k", i));
            update.Specs.Add(TaskSpec.Create(Const, i));
        }

        update.From = SchedulerFixture.Client;
        state.Handle(update);
        update.Return();

        Assert.Empty(state.Story(("k", 0)));
        Assert.NotEmpty(state.Story(("k", 9)));
        Assert.Equal(20, state.TransitionCount);
    }
}
