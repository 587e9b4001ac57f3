using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Producer to scheduler: this simulation rank publishes nothing more; the contracted keys it never shipped.</summary>
public sealed class ProducerFinished : PooledMessage<ProducerFinished>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ProducerFinished;

    /// <summary>Gets the contracted keys this producer did not ship.</summary>
    public List<TaskKey> Missing { get; } = [];

    /// <summary>Gets or sets how many blocks it shipped.</summary>
    public long BlocksShipped { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Missing.ClearAndTrim();
        BlocksShipped = 0;
    }
}
