using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: keys whose data an outside producer will put on workers.</summary>
public sealed class CreateExternal : PooledMessage<CreateExternal>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.CreateExternal;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets the keys.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Keys.ClearAndTrim();
    }
}
