using Deisa.Core.Graph;

namespace Deisa.Core.Scheduling;

/// <summary>The scheduler's record of one key.</summary>
/// <remarks>
/// Reference counts, not sets, keep the record small and transitions allocation-free:
/// <see cref="Waiters"/> counts dependents in Waiting or Processing (they registered when they entered Waiting
/// and deregister when they leave those states); <see cref="WaitingOn"/> counts this task's dependencies not yet in
/// memory. <see cref="WaitingDependents"/> lists dependents to wake when this task reaches memory; an entry is
/// valid only while its generation matches the dependent's, so cancelled dependents are skipped, not searched for.
/// </remarks>
internal sealed class SchedulerTask
{
    public SchedulerTask(TaskKey key, TaskSpec? spec)
    {
        Key = key;
        Spec = spec;
    }

    public TaskKey Key { get; }

    /// <summary>Gets the task, or null for an external key.</summary>
    public TaskSpec? Spec { get; }

    public bool IsExternal => Spec is null;

    public TaskStatus Status { get; set; }

    /// <summary>Gets or sets the dependencies, resolved when the task enters Waiting; empty otherwise.</summary>
    public SchedulerTask[] Dependencies { get; set; } = [];

    public List<WaitingDependent>? WaitingDependents { get; set; }

    public int WaitingOn { get; set; }

    public int Waiters { get; set; }

    /// <summary>Gets or sets a number bumped on every entry into Waiting, to recognise stale wake-up entries.</summary>
    public int Generation { get; set; }

    public int ClientRefs { get; set; }

    /// <summary>
    /// Gets or sets whether the contract holds the value: data of a contracted block that reached a worker before the
    /// client asked for the tasks that read it. Counts as a reference until those tasks come.
    /// </summary>
    public bool Held { get; set; }

    /// <summary>Gets whether anything still needs the key: the client, a pending task, or the contract.</summary>
    public bool Needed => ClientRefs > 0 || Waiters > 0 || Held;

    /// <summary>Gets or sets the worker index holding the value, or -1.</summary>
    public int Holder { get; set; } = -1;

    /// <summary>Gets or sets the worker index running the task, or -1.</summary>
    public int ProcessingOn { get; set; } = -1;

    public long Priority { get; set; }

    public long Nbytes { get; set; }

    /// <summary>Gets or sets whether the client takes the value as soon as it is computed (<see cref="Protocol.UpdateGraph.PushValues"/>).</summary>
    public bool PushToClient { get; set; }

    /// <summary>Gets or sets whether a worker was told to send the value to the client: the client then waits for it rather than fetch it.</summary>
    public bool PushDispatched { get; set; }

    public FailureInfo? Failure { get; set; }

    public override string ToString() => $"{Key} ({Status})";
}

/// <summary>A dependent to wake, stamped with its generation when it registered.</summary>
/// <param name="Task">The dependent.</param>
/// <param name="Generation">Its generation then.</param>
internal readonly record struct WaitingDependent(SchedulerTask Task, int Generation);
