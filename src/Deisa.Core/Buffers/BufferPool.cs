using System.Numerics;

namespace Deisa.Core.Buffers;

/// <summary>A capped pool of pinned byte buffers, for message encoding and data payloads.</summary>
/// <remarks>
/// Buffers are allocated on the pinned object heap, so MPI can send from and receive into them without pinning
/// each time. Sizes are rounded up to powers of two from 256 bytes to 1 GiB; each size keeps as many idle buffers as
/// it had out at once at its busiest: at least <see cref="MaxBuffersPerSize"/>, and at most that many or
/// <see cref="MaxIdleBytesPerSize"/> of its size, whichever is more. A working set larger than the floor (a worker
/// holding 64 steps of blocks) is so reused, not reallocated block after block, and the pool never holds more than
/// the busiest moment of a size had out. A buffer returned to a full bucket is dropped to the garbage collector.
/// Larger requests are allocated and never kept.
/// The pool counts rentals, returns, the bytes still out and its own allocations, always (a few interlocked
/// additions per rental), so a soak test or a long job can check that every buffer came back
/// (<see cref="Statistics"/>). Thread-safe.
/// </remarks>
public sealed class BufferPool
{
    private const int MinShift = 8;
    private const int MaxShift = 30;

    /// <summary>The idle bytes a size class may keep when it had that much out at once and they are more than <see cref="MaxBuffersPerSize"/> buffers.</summary>
    public const long MaxIdleBytesPerSize = 256L << 20;

    private readonly Bucket[] _buckets;
    private long _rented;
    private long _returned;
    private long _outstandingBytes;
    private long _allocated;

    /// <summary>Creates a pool.</summary>
    /// <param name="maxBuffersPerSize">The idle buffers each size class may keep whatever its peak.</param>
    public BufferPool(int maxBuffersPerSize = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBuffersPerSize);
        MaxBuffersPerSize = maxBuffersPerSize;
        _buckets = new Bucket[MaxShift - MinShift + 1];
        for (int i = 0; i < _buckets.Length; i++)
        {
            int size = 1 << (MinShift + i);
            _buckets[i] = new Bucket(size, maxBuffersPerSize, (int)Math.Max(maxBuffersPerSize, MaxIdleBytesPerSize / size));
        }
    }

    /// <summary>Gets the pool shared by the whole process.</summary>
    public static BufferPool Shared { get; } = new();

    /// <summary>Gets the idle buffers each size class may keep whatever its peak (more up to the peak, see the remarks).</summary>
    public int MaxBuffersPerSize { get; }

    /// <summary>Gets how many buffers were rented since the pool was created.</summary>
    public long RentedCount => Interlocked.Read(ref _rented);

    /// <summary>Gets how many buffers were returned since the pool was created.</summary>
    public long ReturnedCount => Interlocked.Read(ref _returned);

    /// <summary>Gets how many rented buffers have not come back.</summary>
    public long OutstandingCount => Statistics.Outstanding;

    /// <summary>Gets a snapshot of the counters: rentals, returns, bytes still rented and buffers allocated.</summary>
    /// <remarks>Approximate while other threads use the pool (see <see cref="BufferPoolStatistics"/>), exact once it is quiet.</remarks>
    public BufferPoolStatistics Statistics
    {
        get
        {
            // Returns before rentals: a return is always counted after its rental, so reading in this order never
            // sees more buffers back than out.
            long returned = Interlocked.Read(ref _returned);
            long bytes = Interlocked.Read(ref _outstandingBytes);
            long rented = Interlocked.Read(ref _rented);
            return new BufferPoolStatistics(rented, returned, bytes, Interlocked.Read(ref _allocated));
        }
    }

    /// <summary>Rents a pinned buffer of at least <paramref name="minimumLength"/> bytes.</summary>
    /// <param name="minimumLength">The least length wanted.</param>
    /// <returns>A buffer, possibly longer; its contents are not cleared.</returns>
    /// <remarks>Give it back with <see cref="Return"/> exactly once, and do not touch it afterwards.</remarks>
    public byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        int index = BucketIndex(minimumLength);
        byte[] buffer = (index >= 0 ? _buckets[index].TryRent() : null) ?? Allocate(index < 0 ? minimumLength : _buckets[index].Size);
        Interlocked.Increment(ref _rented);
        Interlocked.Add(ref _outstandingBytes, buffer.Length);
        return buffer;
    }

    /// <summary>Returns a buffer rented from this pool.</summary>
    /// <param name="buffer">The buffer; the caller must not use it any more.</param>
    public void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Interlocked.Add(ref _outstandingBytes, -buffer.Length);
        Interlocked.Increment(ref _returned);
        int index = BucketIndex(buffer.Length);
        if (index >= 0 && _buckets[index].Size == buffer.Length)
        {
            _buckets[index].Return(buffer);
        }
    }

    private byte[] Allocate(int length)
    {
        Interlocked.Increment(ref _allocated);
        return GC.AllocateUninitializedArray<byte>(length, pinned: true);
    }

    private static int BucketIndex(int length)
    {
        if (length > 1 << MaxShift)
        {
            return -1;
        }

        int shift = length <= 1 << MinShift ? MinShift : (int)BitOperations.Log2((uint)length - 1) + 1;
        return shift - MinShift;
    }

    private sealed class Bucket
    {
        private readonly Lock _lock = new();
        private readonly int _floor;
        private readonly int _ceiling;
        private byte[]?[] _items;
        private int _count;

        // Buffers of this size rented and not back, and the most at once: the bucket keeps up to that many idle.
        private int _out;
        private int _peak;

        public Bucket(int size, int floor, int ceiling)
        {
            Size = size;
            _floor = floor;
            _ceiling = ceiling;
            _items = new byte[floor][];
        }

        public int Size { get; }

        /// <summary>Takes an idle buffer, or null when none is kept (the caller allocates one); counted as out either way.</summary>
        public byte[]? TryRent()
        {
            lock (_lock)
            {
                _peak = Math.Max(_peak, ++_out);
                if (_count == 0)
                {
                    return null;
                }

                byte[] buffer = _items[--_count]!;
                _items[_count] = null;
                return buffer;
            }
        }

        public void Return(byte[] buffer)
        {
            lock (_lock)
            {
                _out = Math.Max(0, _out - 1);
                int capacity = Math.Clamp(_peak, _floor, _ceiling);
                if (_count >= capacity)
                {
                    return;
                }

                if (_count == _items.Length)
                {
                    // Grown only when more were out at once than ever before: a one-time cost per new peak.
                    Array.Resize(ref _items, Math.Min(capacity, Math.Max(2 * _items.Length, 1)));
                }

                _items[_count++] = buffer;
            }
        }
    }
}
