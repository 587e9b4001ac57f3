using Deisa.Core.Arrays;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Tests.Scheduling;

/// <summary>A bare <see cref="SchedulerState"/> fed by hand: each call is one event; the outbox comes back as a list.</summary>
internal sealed class SchedulerFixture
{
    private long _requests;

    public SchedulerFixture(int workers = 2, int producers = 0, CouplingMode mode = CouplingMode.Deisa3)
    {
        Workers = Enumerable.Range(0, workers).Select(EndpointId.Worker).ToArray();
        Producers = Enumerable.Range(0, producers).Select(EndpointId.Producer).ToArray();
        State = new SchedulerState(Client, Workers, new SchedulerOptions { Producers = Producers, Mode = mode });
    }

    public EndpointId[] Producers { get; }

    public static EndpointId Client { get; } = EndpointId.Client(0);

    public static EndpointId Producer { get; } = EndpointId.Producer(0);

    public EndpointId[] Workers { get; }

    public SchedulerState State { get; }

    public TaskStatus this[TaskKey key] => State.GetStatus(key);

    public List<OutgoingMessage> Submit(TaskGraph graph, params TaskKey[] wanted)
    {
        UpdateGraph message = UpdateGraph.Rent();
        message.RequestId = ++_requests;
        foreach (KeyValuePair<TaskKey, TaskSpec> entry in graph)
        {
            message.Keys.Add(entry.Key);
            message.Specs.Add(entry.Value);
        }

        message.Wanted.AddRange(wanted);
        return Feed(message, Client);
    }

    public List<OutgoingMessage> Submit(TaskKey key, TaskSpec spec, bool wanted = true)
    {
        var graph = new TaskGraph();
        graph.Add(key, spec);
        return wanted ? Submit(graph, key) : Submit(graph);
    }

    /// <summary>Submits a task without dependencies and returns the index of the worker it was sent to.</summary>
    public int SubmitAndGetWorker(TaskKey key, TaskSpec spec, bool wanted = true)
    {
        List<OutgoingMessage> sent = Submit(key, spec, wanted);
        OutgoingMessage compute = Assert.Single(sent, o => o.Message is ComputeTask);
        return Array.IndexOf(Workers, compute.To);
    }

    public List<OutgoingMessage> CreateExternal(params TaskKey[] keys)
    {
        CreateExternal message = Core.Protocol.CreateExternal.Rent();
        message.RequestId = ++_requests;
        message.Keys.AddRange(keys);
        return Feed(message, Client);
    }

    public List<OutgoingMessage> Release(params TaskKey[] keys)
    {
        ReleaseKeys message = ReleaseKeys.Rent();
        message.Keys.AddRange(keys);
        return Feed(message, Client);
    }

    public List<OutgoingMessage> FailExternal(TaskKey key, string reason)
    {
        FailExternal message = Core.Protocol.FailExternal.Rent();
        message.RequestId = ++_requests;
        message.Key = key;
        message.Reason = reason;
        return Feed(message, Client);
    }

    public List<OutgoingMessage> Finish(TaskKey key, int worker, long nbytes = 8)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = key;
        message.Nbytes = nbytes;
        return Feed(message, Workers[worker]);
    }

    public List<OutgoingMessage> Err(TaskKey key, int worker, string text = "boom")
    {
        TaskErred message = TaskErred.Rent();
        message.Key = key;
        message.Error = ErrorInfo.From(new InvalidOperationException(text));
        return Feed(message, Workers[worker]);
    }

    public List<OutgoingMessage> Arrive(TaskKey key, int worker, bool stored = true, long putId = 1, long nbytes = 64)
    {
        ExternalArrived message = ExternalArrived.Rent();
        message.Key = key;
        message.Nbytes = nbytes;
        message.Producer = Producer;
        message.PutId = putId;
        message.Stored = stored;
        return Feed(message, Workers[worker]);
    }

    public List<OutgoingMessage> Request<T>(T message)
        where T : Message
    {
        switch (message)
        {
            case GetArrays m:
                m.RequestId = ++_requests;
                break;
            case ValidateContract m:
                m.RequestId = ++_requests;
                break;
            case RevokeContract m:
                m.RequestId = ++_requests;
                break;
        }

        return Feed(message, Client);
    }

    /// <summary>Handles one message, validates every invariant, and returns what was emitted.</summary>
    public List<OutgoingMessage> Feed(Message message, EndpointId from)
    {
        message.From = from;
        try
        {
            State.Handle(message);
        }
        finally
        {
            message.Return();
        }

        State.Validate();
        var outbox = State.Outbox.ToArray().ToList();
        State.ClearOutbox();
        return outbox;
    }

    public bool StoryHas(TaskKey key, TaskStatus from, TaskStatus to) =>
        State.Story(key).Any(r => r.From == from && r.To == to);
}
