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

    /// <summary>Gets or sets whether the worker that computed the key sends its value to the client unasked (<see cref="UpdateGraph.PushValues"/>).</summary>
    public bool Pushed { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Holder = default;
        Nbytes = 0;
        Pushed = false;
    }
}
