namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: give every simulation rank a named value from a step on, or none of them.</summary>
public sealed class SteerRequest : PooledMessage<SteerRequest>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.SteerRequest;

    /// <summary>Gets or sets the request number, echoed in the reply.</summary>
    public long RequestId { get; set; }

    /// <summary>Gets or sets the value's name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the first step that sees the value.</summary>
    public int Step { get; set; }

    /// <summary>Gets or sets the value: a scalar, a string or a small array the message codec encodes.</summary>
    public object? Value { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        RequestId = 0;
        Name = string.Empty;
        Step = 0;
        Value = null;
    }
}
