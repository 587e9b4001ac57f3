using Deisa.Core.Buffers;
using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Producer to worker: store a value under an external key.</summary>
/// <remarks>The message holds one reference to the value; the worker takes it by clearing <see cref="Value"/>.</remarks>
public sealed class PutExternal : PooledMessage<PutExternal>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.PutExternal;

    /// <summary>Gets or sets the external key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the value.</summary>
    public object? Value { get; set; }

    /// <summary>Gets or sets the producer's put number, or 0 when it wants no acknowledgement.</summary>
    public long PutId { get; set; }

    /// <summary>Gets or sets whether the producer wants a <see cref="KeysReleased"/> once the worker lets the value go (backpressure).</summary>
    public bool NotifyRelease { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        ValueOwnership.Release(Value);
        Key = default;
        Value = null;
        PutId = 0;
        NotifyRelease = false;
    }
}
