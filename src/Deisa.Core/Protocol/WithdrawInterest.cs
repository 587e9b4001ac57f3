namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: a persisted computation was released; the contract shrinks to what others still read.</summary>
public sealed class WithdrawInterest : PooledMessage<WithdrawInterest>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.WithdrawInterest;

    /// <summary>Gets or sets the interest's number.</summary>
    public long InterestId { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset() => InterestId = 0;
}
