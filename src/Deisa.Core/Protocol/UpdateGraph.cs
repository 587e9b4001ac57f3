using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: new tasks, and the keys the client now holds futures to.</summary>
public sealed class UpdateGraph : PooledMessage<UpdateGraph>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.UpdateGraph;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets the keys of the new tasks, in an order where dependencies come first or lie outside.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <summary>Gets the tasks, parallel to <see cref="Keys"/>.</summary>
    public List<TaskSpec> Specs { get; } = [];

    /// <summary>Gets the keys the client takes one reference to.</summary>
    public List<TaskKey> Wanted { get; } = [];

    /// <summary>Gets simulation blocks the tasks read, created as external keys with the tasks (or taken over, if their data came first).</summary>
    public List<TaskKey> Externals { get; } = [];

    /// <summary>
    /// Gets or sets whether the client takes the values of the wanted keys as soon as they are computed: the worker
    /// that computes one sends it to the client unasked (a call that computes and waits saves the GetData round trip).
    /// </summary>
    public bool PushValues { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Keys.ClearAndTrim();
        Specs.ClearAndTrim();
        Wanted.ClearAndTrim();
        Externals.ClearAndTrim();
        PushValues = false;
    }
}
