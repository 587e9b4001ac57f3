using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Core.Protocol;

/// <summary>
/// Deisa1 coupling, every step: a producer tells the scheduler it ships a block, and the scheduler passes the news
/// on to the client. The per-step metadata traffic that Deisa3 removes.
/// </summary>
public sealed class BlockMetadata : PooledMessage<BlockMetadata>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.BlockMetadata;

    /// <summary>Gets or sets the block's key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the worker the block is shipped to.</summary>
    public EndpointId Worker { get; set; }

    /// <summary>Gets the block's start in each spatial dimension.</summary>
    public List<long> Start { get; } = [];

    /// <summary>Gets the block's size in each spatial dimension.</summary>
    public List<long> Count { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Worker = default;
        Start.ClearAndTrim();
        Count.ClearAndTrim();
    }
}
