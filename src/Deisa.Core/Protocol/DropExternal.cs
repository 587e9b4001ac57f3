using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>
/// Producer to scheduler: these contracted blocks will never come, because they were dropped (backpressure with the
/// Drop policy) or passed over (the producer published a later step without them); whatever needs them errs with
/// <see cref="Reason"/>, as soon as the producer knows, not at its finish.
/// </summary>
public sealed class DropExternal : PooledMessage<DropExternal>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.DropExternal;

    /// <summary>Gets the dropped keys.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <summary>Gets or sets why, for the errors of the keys.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>Gets or sets whether the blocks were passed over rather than dropped by backpressure (which is counted apart).</summary>
    public bool Skipped { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Keys.Clear();
        Reason = string.Empty;
        Skipped = false;
    }
}
