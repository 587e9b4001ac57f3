using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Core.Protocol;

/// <summary>Worker to scheduler: data for an external key arrived from a producer.</summary>
public sealed class ExternalArrived : PooledMessage<ExternalArrived>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ExternalArrived;

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the estimated size of the value in bytes.</summary>
    public long Nbytes { get; set; }

    /// <summary>Gets or sets the producer that sent it.</summary>
    public EndpointId Producer { get; set; }

    /// <summary>Gets or sets the producer's put number, or 0 when it wants no acknowledgement.</summary>
    public long PutId { get; set; }

    /// <summary>Gets or sets whether the worker stored it; false when it already held a value for the key and kept that one.</summary>
    public bool Stored { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Nbytes = 0;
        Producer = default;
        PutId = 0;
        Stored = false;
    }
}
