namespace Deisa.Core.Protocol;

/// <summary>Runtime to a host: finish what is in hand and stop.</summary>
public sealed class Close : PooledMessage<Close>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.Close;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
    }
}
