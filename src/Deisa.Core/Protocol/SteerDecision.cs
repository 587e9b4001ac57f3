namespace Deisa.Core.Protocol;

/// <summary>Scheduler to producer: a steering proposal is committed (every rank accepted) or abandoned.</summary>
public sealed class SteerDecision : PooledMessage<SteerDecision>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.SteerDecision;

    /// <summary>Gets or sets the proposal's number.</summary>
    public long ProposalId { get; set; }

    /// <summary>Gets or sets whether the value holds from its step on; otherwise it is forgotten.</summary>
    public bool Commit { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        ProposalId = 0;
        Commit = false;
    }
}
