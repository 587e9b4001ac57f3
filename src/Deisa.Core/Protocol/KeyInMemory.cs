using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to client: the value of a wanted key is stored on a worker.</summary>
public sealed class KeyInMemory : PooledMessage<KeyInMemory>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.KeyInMemory;

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the worker that holds the value.</summary>
    public EndpointId Holder { get; set; }

    /// <summary>Gets or sets the estimated size of the value in bytes.</summary>
    public long Nbytes { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Holder = default;
        Nbytes = 0;
    }
}
