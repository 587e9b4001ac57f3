namespace Deisa.Mpi.Transport;

/// <summary>Settings of the MPI transport's communication thread.</summary>
public sealed class MpiTransportOptions
{
    /// <summary>
    /// Gets or sets the longest the communication thread sleeps when idle before polling MPI again. Outgoing messages
    /// wake it at once; incoming ones wait for the next poll, so this bounds the added latency of an idle rank.
    /// </summary>
    public TimeSpan MaxIdleWait { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Gets or sets how many idle polls yield the core before the thread starts sleeping.</summary>
    public int YieldPolls { get; set; } = 16;

    /// <summary>Gets or sets how long shutdown waits for sends in flight to complete.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
