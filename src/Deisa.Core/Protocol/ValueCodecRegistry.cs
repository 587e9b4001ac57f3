using Deisa.Core.Arrays;
using Deisa.Core.Buffers;

namespace Deisa.Core.Protocol;

/// <summary>How values cross process boundaries: built-in types, plus the codecs users register by tag.</summary>
/// <remarks>
/// Built in: null, bool, int, long, float, double, string, arrays of double, float, int, long and byte, the
/// matching <see cref="PooledArray{T}"/> (decoded into pooled buffers) and object?[] of those. Register user codecs
/// on every rank with the same tags before the runtime starts. A value of any other type is written as a marker
/// and decoded as an <see cref="UnencodableValue"/>, so the task or future that uses it fails with the type's name
/// instead of the whole message being lost. Thread-safe for reads once registration is done.
/// </remarks>
public sealed class ValueCodecRegistry
{
    /// <summary>The deepest nesting of value arrays (object?[] inside object?[]) that is written or read.</summary>
    public const int MaxDepth = 32;

    private readonly Dictionary<Type, UserCodec> _byType = [];
    private readonly UserCodec?[] _byTag = new UserCodec?[256];

    /// <summary>Gets the registry used unless another is given.</summary>
    public static ValueCodecRegistry Default { get; } = new();

    /// <summary>Registers a codec for <typeparamref name="T"/> under <paramref name="tag"/>.</summary>
    /// <typeparam name="T">The type, matched exactly.</typeparam>
    /// <param name="tag">The wire tag, at least <see cref="ValueTag.FirstUserTag"/>.</param>
    /// <param name="codec">The codec.</param>
    /// <exception cref="ArgumentException">The tag is reserved or taken, or the type already has a codec.</exception>
    public void Register<T>(byte tag, IValueCodec<T> codec)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (tag < (byte)ValueTag.FirstUserTag)
        {
            throw new ArgumentException($"Tags below {(byte)ValueTag.FirstUserTag} are reserved for built-in types; {tag} was given.", nameof(tag));
        }

        lock (_byType)
        {
            if (_byTag[tag] is { } taken)
            {
                throw new ArgumentException($"Tag {tag} is already used by {taken.Type.Name}.", nameof(tag));
            }

            if (_byType.ContainsKey(typeof(T)))
            {
                throw new ArgumentException($"{typeof(T).Name} already has a codec.", nameof(codec));
            }

            var entry = new UserCodec(
                typeof(T),
                tag,
                (value, writer) => codec.Write((T)value, writer),
                (ref SpanReader reader) => codec.Read(ref reader));
            _byType.Add(typeof(T), entry);
            _byTag[tag] = entry;
        }
    }

    /// <summary>Tells whether <typeparamref name="T"/> has a codec, so that libraries can register theirs once.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <returns>True when <see cref="Register{T}"/> was called for it.</returns>
    public bool IsRegistered<T>()
    {
        lock (_byType)
        {
            return _byType.ContainsKey(typeof(T));
        }
    }

    /// <summary>Writes a tagged value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="writer">The destination.</param>
    /// <exception cref="NotSupportedException">Arrays of values nest deeper than <see cref="MaxDepth"/> (or hold themselves).</exception>
    public void Write(object? value, PooledBufferWriter writer) => Write(value, writer, 0);

    /// <summary>Reads a tagged value written by <see cref="Write(object?, PooledBufferWriter)"/>.</summary>
    /// <param name="reader">The source.</param>
    /// <param name="pool">The pool for pooled arrays; <see cref="BufferPool.Shared"/> when null.</param>
    /// <returns>The value; pooled arrays come with one holder, the caller's.</returns>
    /// <exception cref="Errors.MessageDecodeException">The bytes are not a valid value, nest deeper than
    /// <see cref="MaxDepth"/>, or a registered codec failed on them (its exception inside).</exception>
    public object? Read(ref SpanReader reader, BufferPool? pool = null) => Read(ref reader, pool, 0);

    private void Write(object? value, PooledBufferWriter writer, int depth)
    {
        switch (value)
        {
            case null:
                writer.WriteByte((byte)ValueTag.Null);
                break;
            case bool b:
                writer.WriteByte((byte)ValueTag.Bool);
                writer.WriteByte(b ? (byte)1 : (byte)0);
                break;
            case int i:
                writer.WriteByte((byte)ValueTag.Int32);
                writer.WriteInt32(i);
                break;
            case long l:
                writer.WriteByte((byte)ValueTag.Int64);
                writer.WriteInt64(l);
                break;
            case float f:
                writer.WriteByte((byte)ValueTag.Single);
                writer.WriteInt32(BitConverter.SingleToInt32Bits(f));
                break;
            case double d:
                writer.WriteByte((byte)ValueTag.Double);
                writer.WriteDouble(d);
                break;
            case string s:
                writer.WriteByte((byte)ValueTag.String);
                writer.WriteString(s);
                break;
            case double[] a:
                WriteArray<double>(ValueTag.DoubleArray, a, writer);
                break;
            case float[] a:
                WriteArray<float>(ValueTag.SingleArray, a, writer);
                break;
            case int[] a:
                WriteArray<int>(ValueTag.Int32Array, a, writer);
                break;
            case long[] a:
                WriteArray<long>(ValueTag.Int64Array, a, writer);
                break;
            case byte[] a:
                WriteArray<byte>(ValueTag.ByteArray, a, writer);
                break;
            case PooledArray<double> p:
                WriteArray<double>(ValueTag.PooledDoubleArray, p.Span, writer);
                break;
            case PooledArray<float> p:
                WriteArray<float>(ValueTag.PooledSingleArray, p.Span, writer);
                break;
            case PooledArray<int> p:
                WriteArray<int>(ValueTag.PooledInt32Array, p.Span, writer);
                break;
            case PooledArray<long> p:
                WriteArray<long>(ValueTag.PooledInt64Array, p.Span, writer);
                break;
            case NdArray array:
                writer.WriteByte((byte)ValueTag.NdArray);
                writer.WriteInt32(array.Rank);
                foreach (int size in array.Shape)
                {
                    writer.WriteInt32(size);
                }

                writer.WriteInt32(array.Length);
                writer.WriteRaw<double>(array.Data);
                break;
            case DeferredPayload deferred:
                writer.WriteByte((byte)ValueTag.DeferredPayload);
                writer.WriteByte((byte)deferred.ElementType);
                writer.WriteInt32(deferred.Count);
                break;
            case object?[] items:
                if (depth >= MaxDepth)
                {
                    throw new NotSupportedException($"Arrays of values nest deeper than {MaxDepth} levels (does an array hold itself?); the receiver would refuse them.");
                }

                writer.WriteByte((byte)ValueTag.ObjectArray);
                writer.WriteInt32(items.Length);
                foreach (object? item in items)
                {
                    Write(item, writer, depth + 1);
                }

                break;
            case UnencodableValue unencodable:
                // Forwarded as it came, so whoever finally uses it learns the original type, not the marker's.
                writer.WriteByte((byte)ValueTag.Unencodable);
                writer.WriteString(unencodable.TypeName);
                break;
            default:
                UserCodec? codec;
                lock (_byType)
                {
                    _byType.TryGetValue(value.GetType(), out codec);
                }

                if (codec is null)
                {
                    // Never fail the whole message: the receiver gets a marker, and whoever uses the value gets the error.
                    writer.WriteByte((byte)ValueTag.Unencodable);
                    writer.WriteString(value.GetType().FullName ?? value.GetType().Name);
                    break;
                }

                writer.WriteByte(codec.Tag);
                codec.Write(value, writer);
                break;
        }
    }

    private object? Read(ref SpanReader reader, BufferPool? pool, int depth)
    {
        byte tag = reader.ReadByte();
        switch ((ValueTag)tag)
        {
            case ValueTag.Null:
                return null;
            case ValueTag.Bool:
                return reader.ReadByte() != 0;
            case ValueTag.Int32:
                return reader.ReadInt32();
            case ValueTag.Int64:
                return reader.ReadInt64();
            case ValueTag.Single:
                return BitConverter.Int32BitsToSingle(reader.ReadInt32());
            case ValueTag.Double:
                return reader.ReadDouble();
            case ValueTag.String:
                return reader.ReadString();
            case ValueTag.DoubleArray:
                return ReadArray<double>(ref reader);
            case ValueTag.SingleArray:
                return ReadArray<float>(ref reader);
            case ValueTag.Int32Array:
                return ReadArray<int>(ref reader);
            case ValueTag.Int64Array:
                return ReadArray<long>(ref reader);
            case ValueTag.ByteArray:
                return ReadArray<byte>(ref reader);
            case ValueTag.PooledDoubleArray:
                return ReadPooled<double>(ref reader, pool);
            case ValueTag.PooledSingleArray:
                return ReadPooled<float>(ref reader, pool);
            case ValueTag.PooledInt32Array:
                return ReadPooled<int>(ref reader, pool);
            case ValueTag.PooledInt64Array:
                return ReadPooled<long>(ref reader, pool);
            case ValueTag.DeferredPayload:
            {
                byte type = reader.ReadByte();
                int elements = reader.ReadInt32();
                if (!ElementTypes.IsDefined(type) || elements < 0)
                {
                    throw reader.Fail($"invalid deferred payload (element type {type}, count {elements}).");
                }

                // Only a descriptor: the transport checks it against the payload message's real size before renting.
                return DeferredPayload.Describe((ElementType)type, elements);
            }

            case ValueTag.NdArray:
            {
                int rank = reader.ReadCount(4, "dimensions");
                int[] shape = new int[rank];
                long elements = 1;
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = reader.ReadInt32();
                    if (shape[d] < 0)
                    {
                        throw reader.Fail($"an array has a negative dimension ({shape[d]}).");
                    }

                    elements = Math.Min(elements * shape[d], int.MaxValue + 1L);
                }

                double[] data = ReadArray<double>(ref reader);
                if (data.Length != elements)
                {
                    throw reader.Fail($"an array of shape [{string.Join(", ", shape)}] carries {data.Length} elements.");
                }

                return new NdArray(shape, data);
            }

            case ValueTag.Unencodable:
                return new UnencodableValue(reader.ReadString());
            case ValueTag.ObjectArray:
                if (depth >= MaxDepth)
                {
                    throw reader.Fail($"arrays of values nest deeper than {MaxDepth} levels.");
                }

                int count = reader.ReadCount(1, "array items");
                object?[] items = DecodedArray.Start<object?>(count);
                try
                {
                    for (int i = 0; i < count; i++)
                    {
                        DecodedArray.Reserve(ref items, i, count);
                        items[i] = Read(ref reader, pool, depth + 1);
                    }
                }
                catch
                {
                    // The message never sees a half-read array: release the pooled arrays read so far.
                    ReleaseInside(items);
                    throw;
                }

                return items;
            default:
                UserCodec? codec = _byTag[tag];
                if (codec is null)
                {
                    throw reader.Fail($"unknown value tag {tag}; was a value codec registered on the sending rank only?");
                }

                int at = reader.Position;
                try
                {
                    return codec.Read(ref reader);
                }
                catch (Exception e) when (e is not Errors.MessageDecodeException)
                {
                    throw new Errors.MessageDecodeException(
                        $"At byte {at}: the value codec for {codec.Type.Name} (tag {tag}) failed: {e.Message}", e);
                }
        }
    }

    /// <summary>Releases the reference-counted values inside an array of values, at any depth.</summary>
    /// <param name="items">The array; its items stay in place.</param>
    internal static void ReleaseInside(object?[] items)
    {
        foreach (object? item in items)
        {
            if (item is object?[] nested)
            {
                ReleaseInside(nested);
            }
            else
            {
                ValueOwnership.Release(item);
            }
        }
    }

    private static unsafe void WriteArray<T>(ValueTag tag, ReadOnlySpan<T> values, PooledBufferWriter writer)
        where T : unmanaged
    {
        writer.WriteByte((byte)tag);
        writer.WriteInt32(values.Length);
        writer.WriteRaw(values);
    }

    private static unsafe T[] ReadArray<T>(ref SpanReader reader)
        where T : unmanaged
    {
        int count = reader.ReadCount(sizeof(T), typeof(T).Name + " elements");
        T[] array = GC.AllocateUninitializedArray<T>(count);
        reader.ReadRaw<T>(array);
        return array;
    }

    private static unsafe PooledArray<T> ReadPooled<T>(ref SpanReader reader, BufferPool? pool)
        where T : unmanaged
    {
        int count = reader.ReadCount(sizeof(T), typeof(T).Name + " elements");
        PooledArray<T> array = PooledArray<T>.Rent(count, pool);
        reader.ReadRaw(array.Span);
        return array;
    }

    private delegate object ReadFunc(ref SpanReader reader);

    private sealed record UserCodec(Type Type, byte Tag, Action<object, PooledBufferWriter> Write, ReadFunc Read);
}
