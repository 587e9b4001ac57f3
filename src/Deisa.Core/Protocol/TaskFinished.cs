using Deisa.Core.Graph;

namespace Deisa.Core.Protocol;

/// <summary>Worker to scheduler: a task ran and its value is stored on the worker.</summary>
public sealed class TaskFinished : PooledMessage<TaskFinished>
{
    /// <inheritdoc/>
    public override MessageKind Kind => MessageKind.TaskFinished;

    /// <summary>Gets or sets the key.</summary>
    public TaskKey Key { get; set; }

    /// <summary>Gets or sets the estimated size of the value in bytes.</summary>
    public long Nbytes { get; set; }

    /// <inheritdoc/>
    protected internal override void Reset()
    {
        Key = default;
        Nbytes = 0;
    }
}
