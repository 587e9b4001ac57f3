namespace Deisa.Core.Execution;

/// <summary>The state of a task assigned to a worker.</summary>
public enum WorkerTaskStatus : byte
{
    /// <summary>Some dependencies are being fetched from other workers.</summary>
    Fetching,

    /// <summary>All dependencies are here; waiting for a thread.</summary>
    Ready,

    /// <summary>Running on a thread.</summary>
    Executing,

    /// <summary>Cancelled by the scheduler; dropped when it stops running.</summary>
    Cancelled,
}
