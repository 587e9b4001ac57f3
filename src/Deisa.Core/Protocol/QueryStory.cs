using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: asks for the recent transitions of a key.</summary>
public sealed class QueryStory : PooledMessage<QueryStory>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.QueryStory;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Key = default;
    }
}
