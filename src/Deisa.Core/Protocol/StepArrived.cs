namespace Deisa.Core.Protocol;

/// <summary>Scheduler to client: data of a later step than any before reached a worker; a window of tasks may move on.</summary>
public sealed class StepArrived : PooledMessage<StepArrived>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.StepArrived;

    /// <summary>Gets or sets the latest step any block arrived for.</summary>
    public int Step { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset() => Step = 0;
}
