using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Deisa.Core.Errors;

namespace Deisa.Core.Protocol;

/// <summary>Reads little-endian values from bytes received, checking every length against what is left.</summary>
/// <remarks>Every read that would go past the end throws <see cref="MessageDecodeException"/>; nothing is ever
/// allocated from a length that was not first checked against the bytes remaining.</remarks>
public ref struct SpanReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Creates a reader.</summary>
    /// <param name="data">The bytes.</param>
    public SpanReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Gets the read position.</summary>
    public readonly int Position => _position;

    /// <summary>Gets the number of bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Reads a byte.</summary>
    /// <returns>The value.</returns>
    public byte ReadByte() => Take(1)[0];

    /// <summary>Reads a 16-bit integer.</summary>
    /// <returns>The value.</returns>
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    /// <summary>Reads a 32-bit integer.</summary>
    /// <returns>The value.</returns>
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    /// <summary>Reads a 64-bit integer.</summary>
    /// <returns>The value.</returns>
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>Reads a double.</summary>
    /// <returns>The value.</returns>
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Reads a count that must be non-negative and leave at least <paramref name="minBytesPerItem"/> bytes per item.</summary>
    /// <param name="minBytesPerItem">The fewest bytes each item takes on the wire.</param>
    /// <param name="what">What is counted, for the error.</param>
    /// <returns>The count.</returns>
    public int ReadCount(int minBytesPerItem, string what)
    {
        int at = _position;
        int count = ReadInt32();
        if (count < 0 || (long)count * minBytesPerItem > Remaining)
        {
            throw new MessageDecodeException(
                $"At byte {at}: a count of {count} {what} does not fit the {Remaining} bytes left.");
        }

        return count;
    }

    /// <summary>Reads <paramref name="count"/> bytes.</summary>
    /// <param name="count">The number of bytes.</param>
    /// <returns>The bytes, a slice of the input.</returns>
    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    /// <summary>Reads as many unmanaged values as <paramref name="destination"/> holds.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="destination">Receives the values.</param>
    public void ReadRaw<T>(scoped Span<T> destination)
        where T : unmanaged => Take(checked(destination.Length * Unsafe.SizeOf<T>())).CopyTo(MemoryMarshal.AsBytes(destination));

    /// <summary>Reads a string written with a 32-bit length.</summary>
    /// <returns>The string.</returns>
    public string ReadString()
    {
        int count = ReadCount(1, "string bytes");
        return DecodeUtf8(Take(count));
    }

    /// <summary>Reads the UTF-8 bytes of a string written with an 8-bit length.</summary>
    /// <returns>The bytes.</returns>
    public ReadOnlySpan<byte> ReadShortStringUtf8()
    {
        int count = ReadByte();
        return Take(count);
    }

    /// <summary>Fails with the current offset.</summary>
    /// <param name="message">What is wrong.</param>
    /// <returns>Never returns; the return type lets callers write <c>throw reader.Fail(...)</c>.</returns>
    public readonly MessageDecodeException Fail(string message) => new($"At byte {_position}: {message}");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MessageDecodeException(
                $"At byte {_position}: needed {count} bytes but only {Remaining} are left; the message is truncated or corrupt.");
        }

        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new MessageDecodeException($"Near byte {_position}: a string is not valid UTF-8.");
        }
    }
}
