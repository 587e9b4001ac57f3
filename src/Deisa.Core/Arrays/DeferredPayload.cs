namespace Deisa.Core.Arrays;

/// <summary>
/// A value whose bytes travel in a separate message right after the one that carries this descriptor, so they can
/// be sent straight from the producer's memory and received straight into a pooled buffer.
/// </summary>
/// <remarks>
/// The codec writes only the descriptor; a transport that crosses processes sends the payload itself and, on the
/// receiving side, replaces the descriptor by the received <see cref="Buffers.PooledArray{T}"/>. Transports derive
/// from this class to carry what they need to send the bytes.
/// </remarks>
public class DeferredPayload
{
    private const int MaxDescribed = 1024;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(ElementType, int), DeferredPayload> s_described = new();

    /// <summary>Creates a descriptor.</summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="count">The number of elements.</param>
    public DeferredPayload(ElementType elementType, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ElementType = elementType;
        Count = count;
    }

    /// <summary>Gets the element type.</summary>
    public ElementType ElementType { get; private set; }

    /// <summary>Gets the number of elements.</summary>
    public int Count { get; private set; }

    /// <summary>Describes another payload with the same object, for descriptors kept in a pool.</summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="count">The number of elements.</param>
    protected void Reset(ElementType elementType, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ElementType = elementType;
        Count = count;
    }

    /// <summary>Gets the payload size in bytes.</summary>
    public long Bytes => (long)Count * ElementTypes.SizeOf(ElementType);

    /// <summary>Describes the payload.</summary>
    /// <returns>Type and count.</returns>
    public override string ToString() => $"DeferredPayload({ElementType}[{Count}])";

    /// <summary>
    /// Gets a descriptor of <paramref name="count"/> elements of <paramref name="elementType"/>, shared: a plain
    /// descriptor never changes, and a run ships blocks of a few sizes over and over, so decoding one allocates nothing.
    /// </summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The descriptor; do not derive from it or change it.</returns>
    internal static DeferredPayload Describe(ElementType elementType, int count)
    {
        if (s_described.TryGetValue((elementType, count), out DeferredPayload? known))
        {
            return known;
        }

        var descriptor = new DeferredPayload(elementType, count);

        // Bounded: a run with ever new sizes allocates them, as before, rather than grow the cache.
        if (s_described.Count < MaxDescribed)
        {
            s_described.TryAdd((elementType, count), descriptor);
        }

        return descriptor;
    }
}
