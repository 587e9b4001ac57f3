using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Client to scheduler: drop one client reference to each key.</summary>
public sealed class ReleaseKeys : PooledMessage<ReleaseKeys>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.ReleaseKeys;

    /// <summary>Gets the keys, one entry per reference dropped.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Keys.ClearAndTrim();
    }
}
