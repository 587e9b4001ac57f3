namespace Deisa.Core.Protocol;

/// <summary>
/// Scheduler to producer: a steering value proposed from a step on. The producer votes; if it accepts, it does not
/// read that step until the scheduler's decision comes, so every rank sees the value at the same step or none does.
/// </summary>
public sealed class SteerProposal : PooledMessage<SteerProposal>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.SteerProposal;

    /// <summary>Gets or sets the proposal's number, echoed in the vote and the decision.</summary>
    public long ProposalId { get; set; }

    /// <summary>Gets or sets the value's name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the first step that sees the value.</summary>
    public int Step { get; set; }

    /// <summary>Gets or sets the value.</summary>
    public object? Value { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        ProposalId = 0;
        Name = string.Empty;
        Step = 0;
        Value = null;
    }
}
