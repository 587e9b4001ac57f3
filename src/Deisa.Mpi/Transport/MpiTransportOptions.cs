namespace Deisa.Mpi.Transport;

/// <summary>Settings of the MPI transport's communication thread.</summary>
public sealed class MpiTransportOptions
{
    /// <summary>
    /// Gets or sets the longest the communication thread sleeps when idle before polling MPI again. Outgoing messages
    /// wake it at once; incoming ones wait for the next poll, so this bounds the added latency of an idle rank.
    /// </summary>
    public TimeSpan MaxIdleWait { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Gets or sets how long after its last send or receive the thread keeps polling without sleeping, to catch the
    /// immediate follow-up of a message (a reply, a send completing). Kept short: spinning steals the core from
    /// compute threads when ranks share cores.
    /// </summary>
    public TimeSpan BusyWindow { get; set; } = TimeSpan.FromMicroseconds(20);

    /// <summary>
    /// Gets or sets how long after the last message it received the thread polls with short sleeps of
    /// <see cref="WarmPollInterval"/> before it falls back to sleeping up to <see cref="MaxIdleWait"/>.
    /// </summary>
    public TimeSpan WarmWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Gets or sets how long after its last send the thread stays warm. Shorter than <see cref="WarmWindow"/>: a
    /// simulation rank publishes once per step, and between steps it should cost nothing; but a burst of publishes
    /// should not pay for waking the thread each time.
    /// </summary>
    public TimeSpan WarmWindowAfterSend { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Gets or sets the sleep between polls while warm: a few wake-ups per millisecond cost little CPU.</summary>
    public TimeSpan WarmPollInterval { get; set; } = TimeSpan.FromMicroseconds(20);

    /// <summary>Gets or sets how long shutdown waits for sends in flight to complete.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
