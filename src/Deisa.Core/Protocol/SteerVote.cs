namespace Deisa.Core.Protocol;

/// <summary>Producer to scheduler: whether a steering proposal can still be seen at its step on this rank.</summary>
public sealed class SteerVote : PooledMessage<SteerVote>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.SteerVote;

    /// <summary>Gets or sets the proposal's number.</summary>
    public long ProposalId { get; set; }

    /// <summary>Gets or sets whether the rank has not read the step yet and waits for the decision before it does.</summary>
    public bool Accepted { get; set; }

    /// <summary>Gets or sets the last step the rank read steering values for (-1: none yet), for the refusal's message.</summary>
    public int ReadUpTo { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        ProposalId = 0;
        Accepted = false;
        ReadUpTo = 0;
    }
}
