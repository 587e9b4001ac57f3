using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>
/// Producer to scheduler: these contracted blocks were dropped (backpressure with the Drop policy) and will never
/// come; whatever needs them errs with <see cref="Reason"/>.
/// </summary>
public sealed class DropExternal : PooledMessage<DropExternal>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.DropExternal;

    /// <summary>Gets the dropped keys.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <summary>Gets or sets why, for the errors of the keys.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Keys.Clear();
        Reason = string.Empty;
    }
}
