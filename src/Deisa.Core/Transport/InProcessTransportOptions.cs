namespace Deisa.Core.Transport;

/// <summary>Settings of an <see cref="InProcessTransport"/>.</summary>
public sealed class InProcessTransportOptions
{
    /// <summary>
    /// Gets or sets whether every message is encoded and decoded on its way, as if it crossed processes.
    /// Slower; it runs the whole wire format in one process and refuses local delegates, exactly as MPI would.
    /// </summary>
    public bool Serialize { get; set; }

    /// <summary>
    /// Gets or sets whether a value still in its producer's memory (a block a Bridge publishes) is delivered as the
    /// block itself rather than copied out: its producer then waits until the receiver completes it, as it would
    /// wait for an MPI send. For tests that hold a send in flight; off by default.
    /// </summary>
    internal bool DeliverLentValues { get; set; }
}
