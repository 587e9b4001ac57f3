using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Deisa.Core.Buffers;

/// <summary>A growable byte buffer rented from a <see cref="BufferPool"/>, with little-endian writers for the codec.</summary>
/// <remarks>
/// Reuse one writer (call <see cref="Clear"/>) rather than creating one per message: once its buffer is large enough,
/// writing allocates nothing. <see cref="Dispose"/> returns the buffer. Not thread-safe.
/// </remarks>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private readonly BufferPool _pool;
    private byte[] _buffer;
    private int _written;
    private bool _disposed;

    /// <summary>Creates a writer.</summary>
    /// <param name="initialCapacity">The first buffer's size.</param>
    /// <param name="pool">The pool; <see cref="BufferPool.Shared"/> when null.</param>
    public PooledBufferWriter(int initialCapacity = 4096, BufferPool? pool = null)
    {
        _pool = pool ?? BufferPool.Shared;
        _buffer = _pool.Rent(initialCapacity);
    }

    /// <summary>Gets the number of bytes written.</summary>
    public int WrittenCount => _written;

    /// <summary>Gets the bytes written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Gets the bytes written, as memory.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Gets the underlying pinned buffer; valid until the next write or <see cref="Dispose"/>.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => _written = 0;

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Reserves <paramref name="count"/> bytes to fill later, such as a length prefix.</summary>
    /// <param name="count">The number of bytes.</param>
    /// <returns>The offset of the reserved bytes.</returns>
    public int Reserve(int count)
    {
        Ensure(count);
        int offset = _written;
        _written += count;
        return offset;
    }

    /// <summary>Writes a 32-bit integer at an offset reserved earlier.</summary>
    /// <param name="offset">The offset from <see cref="Reserve"/>.</param>
    /// <param name="value">The value.</param>
    public void PatchInt32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

    /// <summary>Writes a byte.</summary>
    /// <param name="value">The value.</param>
    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_written++] = value;
    }

    /// <summary>Writes a 16-bit integer.</summary>
    /// <param name="value">The value.</param>
    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_written), value);
        _written += 2;
    }

    /// <summary>Writes a 32-bit integer.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_written), value);
        _written += 4;
    }

    /// <summary>Writes a 64-bit integer.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_written), value);
        _written += 8;
    }

    /// <summary>Writes a double.</summary>
    /// <param name="value">The value.</param>
    public void WriteDouble(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_written), value);
        _written += 8;
    }

    /// <summary>Writes bytes.</summary>
    /// <param name="bytes">The bytes.</param>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_written));
        _written += bytes.Length;
    }

    /// <summary>Writes the raw bytes of unmanaged values (little-endian machines only, as every supported one is).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="values">The values.</param>
    public void WriteRaw<T>(ReadOnlySpan<T> values)
        where T : unmanaged => WriteBytes(MemoryMarshal.AsBytes(values));

    /// <summary>Writes a string as a 32-bit byte length and its UTF-8 bytes.</summary>
    /// <param name="value">The string.</param>
    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(4 + max);
        int count = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_written + 4));
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_written), count);
        _written += 4 + count;
    }

    /// <summary>Writes a short string as an 8-bit byte length and its UTF-8 bytes.</summary>
    /// <param name="value">The string, at most 255 UTF-8 bytes.</param>
    public void WriteShortString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(1 + max);
        int count = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_written + 1));
        if (count > byte.MaxValue)
        {
            throw new ArgumentException($"The name '{value}' is longer than 255 UTF-8 bytes.", nameof(value));
        }

        _buffer[_written] = (byte)count;
        _written += 1 + count;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        byte[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        _pool.Return(buffer);
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _written >= count && count >= 0)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        long wanted = Math.Max((long)_written + Math.Max(count, 1), (long)_buffer.Length * 2);
        if (wanted > Array.MaxLength)
        {
            throw new InvalidOperationException($"A message would exceed {Array.MaxLength} bytes.");
        }

        byte[] grown = _pool.Rent((int)wanted);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _pool.Return(_buffer);

        _buffer = grown;
    }
}
