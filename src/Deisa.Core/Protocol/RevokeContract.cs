
namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: the analytics stop; producers ship nothing more and every external key still awaited fails.</summary>
public sealed class RevokeContract : PooledMessage<RevokeContract>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.RevokeContract;

    /// <summary>Gets or sets the request number, echoed in the reply (0: no reply wanted).</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets why, for the producers and the keys that fail.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Reason = string.Empty;
    }
}
