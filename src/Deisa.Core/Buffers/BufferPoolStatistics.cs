namespace Deisa.Core.Buffers;

/// <summary>A snapshot of a <see cref="BufferPool"/>'s counters: what was rented, what came back, what is still out.</summary>
/// <param name="Rented">How many buffers were rented since the pool was created.</param>
/// <param name="Returned">How many buffers were returned since the pool was created.</param>
/// <param name="OutstandingBytes">The total length of the rented buffers that have not come back.</param>
/// <param name="Allocated">How many buffers the pool had to allocate because no idle buffer of the size was kept.</param>
/// <remarks>
/// The counters are read one after the other, not atomically together: while other threads rent and return, a
/// snapshot is approximate (never negative). Once the pool is quiet it is exact, which is when tests compare it.
/// </remarks>
public readonly record struct BufferPoolStatistics(long Rented, long Returned, long OutstandingBytes, long Allocated)
{
    /// <summary>Gets how many rented buffers have not come back.</summary>
    public long Outstanding => Rented - Returned;

    /// <summary>Gets the change from an earlier snapshot, to count what one piece of work rented from a shared pool.</summary>
    /// <param name="earlier">A snapshot taken before.</param>
    /// <returns>The differences, counter by counter.</returns>
    public BufferPoolStatistics Since(BufferPoolStatistics earlier) =>
        new(Rented - earlier.Rented, Returned - earlier.Returned, OutstandingBytes - earlier.OutstandingBytes, Allocated - earlier.Allocated);

    /// <summary>Describes the counters on one line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"rented {Rented}, returned {Returned}, outstanding {Outstanding} ({OutstandingBytes} bytes), allocated {Allocated}";
}
