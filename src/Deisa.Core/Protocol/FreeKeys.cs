using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Scheduler to worker: drop the values of these keys, or cancel them if they have not run.</summary>
public sealed class FreeKeys : PooledMessage<FreeKeys>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.FreeKeys;

    /// <summary>Gets the keys.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Keys.ClearAndTrim();
    }
}
