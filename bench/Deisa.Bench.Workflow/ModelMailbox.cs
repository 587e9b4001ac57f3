using System.Collections.Concurrent;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Bench.Workflow;

/// <summary>
/// The real client's mailbox in the scale model: what the client sends the scheduler goes to the model's inbox, which
/// the model's scheduler thread drains; what the scheduler sends the client is delivered here, as a transport would.
/// The model has no workers: a request for a value (the client collecting a step's result) is answered at once, as the
/// worker holding it would.
/// </summary>
internal sealed class ModelMailbox : ChannelMailbox
{
    private readonly BlockingCollection<Message?> _scheduler;
    private long _fetches;

    /// <summary>Creates the client's mailbox.</summary>
    /// <param name="id">The client's endpoint.</param>
    /// <param name="scheduler">The scheduler's inbox; a null entry only wakes its reader.</param>
    public ModelMailbox(EndpointId id, BlockingCollection<Message?> scheduler)
        : base(id)
    {
        _scheduler = scheduler;
    }

    /// <summary>Gets how many values the client fetched from workers.</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <inheritdoc/>
    public override void Send(EndpointId to, Message message)
    {
        // Stamped as a transport does: the scheduler tells the client's messages by their sender.
        message.From = Id;
        switch (to.Kind)
        {
            case EndpointKind.Scheduler:
                _scheduler.Add(message);
                break;
            case EndpointKind.Worker when message is GetData request:
                Answer(to, request);
                break;
            default:
                // The client's own releases from finalizers come back to it; nothing else has a destination here.
                if (to != Id || !TryDeliver(message))
                {
                    message.Return();
                }

                break;
        }
    }

    /// <summary>Answers for the worker: every result chunk of the model's array is one element, here 1.</summary>
    private void Answer(EndpointId worker, GetData request)
    {
        DataReply reply = DataReply.Rent();
        reply.From = worker;
        reply.RequestId = request.RequestId;
        foreach (TaskKey key in request.Keys)
        {
            reply.Keys.Add(key);
            reply.Values.Add(new double[] { 1 });
            Interlocked.Increment(ref _fetches);
        }

        request.Return();
        if (!TryDeliver(reply))
        {
            reply.Return();
        }
    }
}
