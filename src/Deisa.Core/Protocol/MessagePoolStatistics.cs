namespace Deisa.Core.Protocol;

/// <summary>A snapshot of the message pools' counters, summed over every message type of the process.</summary>
/// <param name="Rented">How many messages were taken from their pools.</param>
/// <param name="Returned">How many messages were given back.</param>
/// <param name="Created">How many messages the pools had to create because none was idle.</param>
/// <remarks>
/// Messages in flight (queued in a mailbox, in a transport's send queue) count as outstanding. Once a runtime has
/// stopped, what is still outstanding was lost: a path that forgot to return a message, which the garbage collector
/// reclaims but the pool never reuses. Approximate while messages move, exact once everything is quiet.
/// </remarks>
public readonly record struct MessagePoolStatistics(long Rented, long Returned, long Created)
{
    private static long s_rented;
    private static long s_returned;
    private static long s_created;

    /// <summary>Gets the process's counters now.</summary>
    public static MessagePoolStatistics Current
    {
        get
        {
            // Returns before rentals, so a snapshot never shows more messages back than out.
            long returned = Interlocked.Read(ref s_returned);
            long created = Interlocked.Read(ref s_created);
            return new MessagePoolStatistics(Interlocked.Read(ref s_rented), returned, created);
        }
    }

    /// <summary>Gets how many messages are out of their pools: in flight, or never returned.</summary>
    public long Outstanding => Rented - Returned;

    /// <summary>Gets the change from an earlier snapshot.</summary>
    /// <param name="earlier">A snapshot taken before.</param>
    /// <returns>The differences, counter by counter.</returns>
    public MessagePoolStatistics Since(MessagePoolStatistics earlier) =>
        new(Rented - earlier.Rented, Returned - earlier.Returned, Created - earlier.Created);

    /// <summary>Describes the counters on one line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"rented {Rented}, returned {Returned}, outstanding {Outstanding}, created {Created}";

    internal static void CountRent() => Interlocked.Increment(ref s_rented);

    internal static void CountReturn() => Interlocked.Increment(ref s_returned);

    internal static void CountCreate() => Interlocked.Increment(ref s_created);
}
