using Deisa.Core.Graph;

namespace Deisa.Core.Execution;

/// <summary>A task assigned to this worker and not yet finished.</summary>
public sealed class WorkerTask
{
    internal WorkerTask(TaskKey key, TaskSpec spec, long priority)
    {
        Key = key;
        Spec = spec;
        Priority = priority;
        Held = spec.Dependencies.Length == 0 ? [] : new StoredValue?[spec.Dependencies.Length];
    }

    /// <summary>Gets the key.</summary>
    public TaskKey Key { get; }

    /// <summary>Gets what to compute.</summary>
    public TaskSpec Spec { get; }

    /// <summary>Gets the priority; lower runs first.</summary>
    public long Priority { get; }

    /// <summary>Gets the state.</summary>
    public WorkerTaskStatus Status { get; internal set; }

    /// <summary>Gets the stored dependencies this task holds a use of, parallel to the spec's dependencies.</summary>
    internal StoredValue?[] Held { get; }

    internal int Missing { get; set; }

    /// <summary>Gets or sets whether the task was cancelled while running, then assigned again: run it, but report it.</summary>
    internal bool Reassigned { get; set; }

    /// <summary>Gets or sets the client to send the value to once computed, or null (<see cref="Protocol.ComputeTask.PushTo"/>).</summary>
    internal Transport.EndpointId? PushTo { get; set; }
}
