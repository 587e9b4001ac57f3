namespace Deisa.Core.Scheduling;

/// <summary>The state of a task in the scheduler.</summary>
public enum TaskStatus : byte
{
    /// <summary>Known, not running, no value held: a task's first state, and its last before being forgotten.</summary>
    Released,

    /// <summary>Wanted, waiting for some dependencies to be in memory.</summary>
    Waiting,

    /// <summary>Data an outside producer will put on a worker; leaves only to <see cref="Memory"/> or <see cref="Erred"/>.</summary>
    External,

    /// <summary>Sent to a worker to run.</summary>
    Processing,

    /// <summary>Its value is held by a worker.</summary>
    Memory,

    /// <summary>It failed, or a dependency did; the error travels to dependents and to the client.</summary>
    Erred,

    /// <summary>Dropped from the scheduler; no longer known.</summary>
    Forgotten,
}
