using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: the data of an external key will never come.</summary>
public sealed class FailExternal : PooledMessage<FailExternal>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.FailExternal;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets the external key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets why, for the error its dependents will see.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Key = default;
        Reason = string.Empty;
    }
}
