using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Client or worker to worker: send me the values of these keys.</summary>
public sealed class GetData : PooledMessage<GetData>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.GetData;

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
