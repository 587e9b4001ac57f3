namespace Deisa.Core.Client;

/// <summary>What a future knows of its key.</summary>
public enum FutureStatus : byte
{
    /// <summary>Not yet computed (or its external data has not arrived).</summary>
    Pending,

    /// <summary>The value is held by a worker, ready to fetch.</summary>
    Finished,

    /// <summary>The task or a dependency failed.</summary>
    Error,

    /// <summary>The runtime stopped before the value existed.</summary>
    Cancelled,
}
