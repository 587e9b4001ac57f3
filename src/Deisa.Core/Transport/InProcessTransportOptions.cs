namespace Deisa.Core.Transport;

/// <summary>Settings of an <see cref="InProcessTransport"/>.</summary>
public sealed class InProcessTransportOptions
{
    /// <summary>
    /// Gets or sets whether every message is encoded and decoded on its way, as if it crossed processes.
    /// Slower; it runs the whole wire format in one process and refuses local delegates, exactly as MPI would.
    /// </summary>
    public bool Serialize { get; set; }
}
