
namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: asks for every array the simulation declared; answered once every producer has declared.</summary>
public sealed class GetArrays : PooledMessage<GetArrays>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.GetArrays;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
    }
}
