using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>
/// Worker to producer: the worker let go of these external values, which the producer shipped asking to be told
/// (<see cref="PutExternal.NotifyRelease"/>); the producer's window of steps in flight moves on.
/// </summary>
public sealed class KeysReleased : PooledMessage<KeysReleased>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.KeysReleased;

    /// <summary>Gets the keys.</summary>
    public List<TaskKey> Keys { get; } = [];

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Keys.Clear();
    }
}
