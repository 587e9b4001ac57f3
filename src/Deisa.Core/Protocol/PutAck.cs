using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to producer: a put was accepted, or refused with the reason.</summary>
public sealed class PutAck : PooledMessage<PutAck>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.PutAck;

    /// <summary>Gets or sets the producer's put number.</summary>
    public long PutId { get; set; }

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets why the put was refused, or null if it was accepted.</summary>
    public ErrorInfo? Error { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        PutId = 0;
        Key = default;
        Error = null;
    }
}
