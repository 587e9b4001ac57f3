using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Deisa.Core.Buffers;

/// <summary>A one-dimensional array of unmanaged values whose storage is a pinned buffer from a <see cref="BufferPool"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <remarks>
/// Created with one holder. Each holder calls <see cref="Release"/> once; the last release returns the buffer, after
/// which <see cref="Span"/> throws. The memory is pinned, so it can be handed to MPI as it is.
/// </remarks>
public sealed class PooledArray<T> : IRefCountedValue, ISizedValue
    where T : unmanaged
{
    private readonly BufferPool _pool;
    private byte[]? _buffer;
    private int _refCount;

    private PooledArray(BufferPool pool, byte[] buffer, int length)
    {
        _pool = pool;
        _buffer = buffer;
        Length = length;
        _refCount = 1;
    }

    /// <summary>Gets the number of elements.</summary>
    public int Length { get; }

    /// <summary>Gets the size of the elements in bytes.</summary>
    public long SizeInBytes => (long)Length * Unsafe.SizeOf<T>();

    /// <summary>Gets the elements.</summary>
    /// <exception cref="ObjectDisposedException">The array was released.</exception>
    public Span<T> Span => MemoryMarshal.Cast<byte, T>(Bytes);

    /// <summary>Gets the elements as bytes.</summary>
    /// <exception cref="ObjectDisposedException">The array was released.</exception>
    public Span<byte> Bytes
    {
        get
        {
            byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(PooledArray<T>), "This pooled array was released; its buffer went back to the pool.");
            return buffer.AsSpan(0, checked(Length * Unsafe.SizeOf<T>()));
        }
    }

    /// <summary>Rents storage for <paramref name="length"/> elements (contents not cleared).</summary>
    /// <param name="length">The number of elements.</param>
    /// <param name="pool">The pool; <see cref="BufferPool.Shared"/> when null.</param>
    /// <returns>The array, with one holder.</returns>
    public static PooledArray<T> Rent(int length, BufferPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        pool ??= BufferPool.Shared;
        int bytes = checked(length * Unsafe.SizeOf<T>());
        return new PooledArray<T>(pool, pool.Rent(bytes), length);
    }

    /// <summary>Rents storage and copies <paramref name="source"/> into it.</summary>
    /// <param name="source">The values.</param>
    /// <param name="pool">The pool; <see cref="BufferPool.Shared"/> when null.</param>
    /// <returns>The array, with one holder.</returns>
    public static PooledArray<T> CopyFrom(ReadOnlySpan<T> source, BufferPool? pool = null)
    {
        PooledArray<T> array = Rent(source.Length, pool);
        source.CopyTo(array.Span);
        return array;
    }

    /// <inheritdoc/>
    public void Retain()
    {
        while (true)
        {
            int count = Volatile.Read(ref _refCount);
            if (count <= 0)
            {
                throw new ObjectDisposedException(nameof(PooledArray<T>), "Cannot retain a pooled array that was already released.");
            }

            if (Interlocked.CompareExchange(ref _refCount, count + 1, count) == count)
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public void Release()
    {
        int count = Interlocked.Decrement(ref _refCount);
        if (count == 0)
        {
            byte[] buffer = Interlocked.Exchange(ref _buffer, null)!;
            _pool.Return(buffer);
        }
        else if (count < 0)
        {
            throw new ObjectDisposedException(nameof(PooledArray<T>), "A pooled array was released more times than it was retained.");
        }
    }

    /// <summary>Copies the elements into a new managed array.</summary>
    /// <returns>The copy.</returns>
    public T[] ToArray() => Span.ToArray();

    /// <summary>Describes the array.</summary>
    /// <returns>The element type and length.</returns>
    public override string ToString() => $"PooledArray<{typeof(T).Name}>[{Length}]";
}
