
namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: derive the contract from the external keys the graphs need, freeze it and send it to the producers.</summary>
public sealed class ValidateContract : PooledMessage<ValidateContract>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ValidateContract;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
    }
}
