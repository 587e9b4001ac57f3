using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Worker to scheduler: a task threw, or could not get its dependencies.</summary>
public sealed class TaskErred : PooledMessage<TaskErred>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.TaskErred;

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the error.</summary>
    public ErrorInfo? Error { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Error = null;
    }
}
