using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to worker: compute a task whose dependencies are all in memory.</summary>
public sealed class ComputeTask : PooledMessage<ComputeTask>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ComputeTask;

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the task.</summary>
    public TaskSpec? Spec { get; set; }

    /// <summary>Gets or sets the priority: lower runs first.</summary>
    public long Priority { get; set; }

    /// <summary>Gets the worker holding each dependency, parallel to <see cref="TaskSpec.Dependencies"/>.</summary>
    public List<EndpointId> Holders { get; } = [];

    /// <summary>Gets or sets the client to send the value to once computed (a <see cref="DataReply"/> with request id 0), or null.</summary>
    public EndpointId? PushTo { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Spec = null;
        Priority = 0;
        Holders.ClearAndTrim();
        PushTo = null;
    }
}
