using System.Buffers.Binary;
using CsCheck;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Ml;
using Xunit.Abstractions;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Protocol;

/// <summary>
/// Bad bytes on the wire: random frames and mutations of valid frames of every message kind either decode (and then
/// re-encode to the same content) or raise <see cref="MessageDecodeException"/>; never another exception, a hang, or
/// an allocation out of proportion to the frame. <c>DEISA_FUZZ_ITERATIONS</c> runs more cases, <c>DEISA_FUZZ_SEED</c>
/// other ones.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class MessageDecoderFuzzTests(ITestOutputHelper output)
{
    private const int FixedSeed = 20_260_611;
    private const int DefaultCases = 10_000;

    // The most a decode may allocate per frame byte. The largest decoded form of one wire byte is a null task
    // argument (a 1-byte tag becomes a 48-byte TaskArg); argument lists grow by doubling, hence twice that, rounded
    // up. An allocation sized by an unchecked count is gigabytes; one sized again at every nesting level is this
    // times the depth.
    private const long BytesPerFrameByte = 128;
    private const long AllocationSlack = 64 * 1024;

    private static readonly EndpointId s_from = EndpointId.Worker(7);
    private static readonly ValueCodecRegistry s_values = CreateValues();
    private static readonly BufferPool s_pool = new();
    private static readonly MessageCodec s_codec = new(Registry, s_values, s_pool);
    private static readonly byte[][] s_seeds = CreateSeeds();

    private static readonly int[] s_interestingInts =
    [
        0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 4096, 65535, 65536, -1, -2, -8, int.MinValue, int.MinValue + 1, int.MaxValue,
        int.MaxValue - 7, 0x3FFF_FFFF, 0x4000_0000, 0x2000_0001, 0x1000_0000,
    ];

    private static readonly byte[] s_interestingBytes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 19, 64, 0x7F, 0x80, 0xC0, 0xFE, 0xFF];

    [Fact]
    public void Seeds_CoverEveryMessageKind_AndDecode()
    {
        var kinds = new HashSet<MessageKind>();
        foreach (byte[] frame in s_seeds)
        {
            var decoded = new List<Message>();
            s_codec.DecodeFrame(frame, s_from, decoded);
            kinds.UnionWith(decoded.Select(m => m.Kind));
            ReturnAll(decoded);
        }

        Assert.Equal(Enum.GetValues<MessageKind>().Order(), kinds.Order());
        Assert.Equal(0, s_pool.OutstandingCount);
    }

    [Fact]
    public void DecodeFrame_RandomBytes_DecodesOrRaisesDecodeError()
    {
        int seed = FuzzRun.Seed(FixedSeed);
        var outcomes = new Outcomes();
        FuzzRun.Run("random frames", seed, FuzzRun.Iterations(DefaultCases), (i, random) =>
        {
            // Half wholly random, half with a valid header so the bytes reach the message decoders.
            byte[] frame = i % 2 == 0 ? RandomBytes(random, random.Next(0, 300)) : RandomBody(random);
            CheckFrame(frame, outcomes);
        });

        outcomes.AssertBoth(minimumDecoded: 0, output);
    }

    [Fact]
    public void DecodeFrame_MutatedFramesOfEveryKind_DecodesOrRaisesDecodeError()
    {
        int seed = FuzzRun.Seed(FixedSeed);
        var outcomes = new Outcomes();
        FuzzRun.Run("mutated frames", seed, FuzzRun.Iterations(DefaultCases), (i, random) =>
        {
            byte[] frame = Mutate(random, s_seeds[i % s_seeds.Length]);
            CheckFrame(frame, outcomes);
        });

        // Mutations that keep a frame valid (a changed number, a changed character) must be among the cases,
        // or the round trip of decoded messages would be checked on nothing.
        outcomes.AssertBoth(minimumDecoded: 1, output);
    }

    [Fact]
    public void DecodeFrame_RandomBodyOfEveryKind_DecodesOrRaisesDecodeError()
    {
        // CsCheck shrinks a failing body to a small one and prints its seed.
        var outcomes = new Outcomes();
        FuzzRun.WithinTime("CsCheck bodies", TimeSpan.FromSeconds(60), () =>
            Gen.Select(Gen.Byte[0, (byte)(Enum.GetValues<MessageKind>().Length + 1)], Gen.Byte.Array[0, 200]).Sample(
                (kind, body) => CheckFrame(Frame([kind, .. body]), outcomes),
                iter: 500,
                threads: 1));

        outcomes.AssertBoth(minimumDecoded: 0, output);
    }

    [Fact]
    public void DecodeFrame_BytesLeftAfterASteeringRequestHoldingPooledArrays_BuffersBackInThePool()
    {
        // An edited frame CsCheck drew once in CI: a steering request whose value, an array, holds two pooled arrays, then
        // 8 bytes too many. The decoder refused the frame and returned the message, which let its value go unreleased:
        // 2 buffers out of the pool, which every later check in this class then counted.
        MessageDecodeException error = AssertDecodeError(Convert.FromHexString("4453010100000028000000220C000000000000000200000064742C0100000D02000000000000000000E03F000000000000D03F"));

        Assert.Contains("8 bytes left over after a SteerRequest message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_ValidFrameWithEditedBytes_DecodesOrRaisesDecodeError()
    {
        // CsCheck shrinks a failure to the fewest edits of the smallest frame, with its seed to replay it.
        var outcomes = new Outcomes();
        Gen<(int Position, byte Value)> edit = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte);
        FuzzRun.WithinTime("CsCheck edits", TimeSpan.FromSeconds(60), () =>
            Gen.Select(Gen.Int[0, s_seeds.Length - 1], edit.Array[1, 4], Gen.Int[0, 199]).Sample(
                (seed, edits, keepPercent) =>
                {
                    byte[] frame = s_seeds[seed].ToArray();
                    foreach ((int position, byte value) in edits)
                    {
                        frame[position % frame.Length] = value;
                    }

                    // Half the frames whole, half cut.
                    CheckFrame(keepPercent >= 100 ? frame : frame[..(frame.Length * keepPercent / 100)], outcomes);
                },
                iter: 2000,
                threads: 1));

        outcomes.AssertBoth(minimumDecoded: 1, output);
    }

    [Fact]
    public void DecodeFrame_NestedValueArrays_DecodeErrorNotStackOverflow()
    {
        // 100,000 object arrays, each the single item of the previous one: recursion without a depth limit
        // overflows the stack and kills the process.
        const int depth = 100_000;
        using var writer = new PooledBufferWriter();
        writer.WriteByte((byte)MessageKind.PutExternal);
        WriteKey(writer, "k");
        writer.WriteInt64(1);
        writer.WriteByte(0); // no release notice
        for (int i = 0; i < depth; i++)
        {
            writer.WriteByte((byte)ValueTag.ObjectArray);
            writer.WriteInt32(1);
        }

        writer.WriteByte((byte)ValueTag.Null);

        MessageDecodeException error = AssertDecodeError(Frame(writer.WrittenSpan));
        Assert.Contains("nest deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_NestedListsEachCountingTheWholeFrame_AllocationBounded()
    {
        // Every list claims as many items as there are bytes left, then the first item is another list: each
        // count passes the bytes-left check, and arrays sized from them would take the frame's size times the
        // nesting depth (32 levels, 48 bytes per argument).
        const int padding = 64 * 1024;
        using var writer = new PooledBufferWriter();
        writer.WriteByte((byte)MessageKind.ComputeTask);
        WriteKey(writer, "k");
        writer.WriteShortString("mix");
        int levels = 33;
        int rest = (levels * 5) + padding;
        writer.WriteInt32(rest);
        for (int level = 0; level < levels; level++)
        {
            writer.WriteByte(6); // ArgKind.List
            rest -= 5;
            writer.WriteInt32(rest);
        }

        writer.WriteBytes(new byte[padding]);
        byte[] frame = Frame(writer.WrittenSpan);

        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertDecodeError(frame);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated <= AllocationBound(frame.Length), $"Decoding {frame.Length} bytes allocated {allocated:N0} bytes.");
    }

    [Fact]
    public void DecodeFrame_ArrayOfValuesCutAfterAPooledArray_BufferBackInThePool()
    {
        PutExternal put = PutExternal.Rent();
        put.Key = "k";
        put.Value = new object?[] { 1L, new object?[] { PooledArray<double>.CopyFrom([1, 2, 3]) }, "never read" };
        using var writer = new PooledBufferWriter();
        s_codec.Encode(put, writer);
        ReleaseInside((object?[])put.Value);
        put.Return();
        long rented = s_pool.RentedCount;

        MessageDecodeException error = AssertDecodeError(Frame(writer.WrittenSpan[..^3]));

        Assert.Contains("string bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(rented + 1, s_pool.RentedCount);
    }

    [Fact]
    public void DecodeFrame_BytesLeftAfterAMessageHoldingPooledArraysInAnArray_BuffersBackInThePool()
    {
        // The message decodes whole; the frame is then refused, and the decoder must release what it created.
        PutExternal put = PutExternal.Rent();
        put.Key = "k";
        put.Value = new object?[] { new object?[] { PooledArray<long>.CopyFrom([1, 2]) }, PooledArray<float>.CopyFrom([3]) };
        using var writer = new PooledBufferWriter();
        s_codec.Encode(put, writer);
        writer.WriteByte(0);
        ReleaseInside((object?[])put.Value);
        put.Return();
        long rented = s_pool.RentedCount;

        MessageDecodeException error = AssertDecodeError(Frame(writer.WrittenSpan));

        Assert.Contains("1 bytes left over after a PutExternal message", error.Message, StringComparison.Ordinal);
        Assert.Equal(rented + 2, s_pool.RentedCount);
    }

    [Fact]
    public void DecodeFrame_DataReplyFailingAfterAnArrayHoldingAPooledArray_BufferBackInThePool()
    {
        // Found by the long run (seed 1, case 454,359): the first value decodes whole, the second key is garbage.
        DataReply reply = DataReply.Rent();
        reply.Keys.AddRange([("a", 1), ("b", 2)]);
        reply.Values.AddRange([new object?[] { 1L, PooledArray<double>.CopyFrom([7, 8]) }, 2L]);
        using var writer = new PooledBufferWriter();
        s_codec.Encode(reply, writer);
        ReleaseInside((object?[])reply.Values[0]!);
        reply.Return();
        byte[] body = writer.WrittenSpan.ToArray();
        int second = body.AsSpan().LastIndexOf("\u0001b"u8);
        body[second + 1] = 0xFF;
        long rented = s_pool.RentedCount;

        MessageDecodeException error = AssertDecodeError(Frame(body));

        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal(rented + 1, s_pool.RentedCount);
    }

    [Fact]
    public void DecodeFrame_KeyNameOfInvalidUtf8_DecodeError()
    {
        // 255 bytes that are not UTF-8: replaced by U+FFFD each, they would make a name three times too long.
        using var writer = new PooledBufferWriter();
        writer.WriteByte((byte)MessageKind.ReleaseKeys);
        writer.WriteInt32(1);
        writer.WriteByte(255);
        writer.WriteBytes(Enumerable.Repeat((byte)0xFF, 255).ToArray());
        writer.WriteByte(0);

        MessageDecodeException error = AssertDecodeError(Frame(writer.WrittenSpan));
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x4000_0000, 0x4000_0000)]
    [InlineData(0x4000_0001, 0x3FFF_FFFF)]
    [InlineData(0x7FFF_FFFF, 0x7FFF_FFFF)]
    public void DecodeFrame_PcaStateCountsWhoseByteSizeOverflows_DecodeError(int components, int features)
    {
        // components * features doubles is more than 2^63 bytes: the size check must not wrap around.
        using var writer = new PooledBufferWriter();
        writer.WriteByte((byte)MessageKind.PutExternal);
        WriteKey(writer, "k");
        writer.WriteInt64(1);
        writer.WriteByte(0); // no release notice
        writer.WriteByte(DeisaMl.StateTag);
        writer.WriteInt32(components);
        writer.WriteInt32(features);
        writer.WriteInt64(10);
        writer.WriteDouble(0);
        writer.WriteInt32(0);
        writer.WriteByte(0);
        writer.WriteBytes(new byte[64]);
        byte[] frame = Frame(writer.WrittenSpan);

        long before = GC.GetAllocatedBytesForCurrentThread();
        MessageDecodeException error = AssertDecodeError(frame);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("incremental PCA state", error.Message, StringComparison.Ordinal);
        Assert.True(allocated <= AllocationBound(frame.Length), $"Decoding {frame.Length} bytes allocated {allocated:N0} bytes.");
    }

    [Theory]
    [InlineData(long.MaxValue, 1L)]
    [InlineData(1L, long.MaxValue)]
    [InlineData(long.MaxValue - 10, 20L)]
    public void DecodeFrame_DeclarationBlockEndOverflowing_DecodeError(long start, long count)
    {
        // start + count wraps to a negative number, which is not more than the size: the block must still be refused.
        using var writer = new PooledBufferWriter();
        writer.WriteByte((byte)MessageKind.DeclareArrays);
        writer.WriteInt32(1);
        writer.WriteString("field");
        writer.WriteByte((byte)ElementType.Float64);
        writer.WriteInt32(0);
        WriteLongs(writer, [10, 100]);
        WriteLongs(writer, [start]);
        WriteLongs(writer, [count]);
        writer.WriteInt32(2);
        writer.WriteString("t");
        writer.WriteString("x");

        MessageDecodeException error = AssertDecodeError(Frame(writer.WrittenSpan));
        Assert.Contains("does not fit in the global size 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_UserCodecThrowingItsOwnException_DecodeErrorNamingTheType()
    {
        var values = new ValueCodecRegistry();
        values.Register((byte)ValueTag.FirstUserTag, new ThrowingCodec());
        var codec = new MessageCodec(Registry, values);
        using var writer = new PooledBufferWriter();
        writer.WriteByte((byte)MessageKind.PutExternal);
        WriteKey(writer, "k");
        writer.WriteInt64(1);
        writer.WriteByte(0); // no release notice
        writer.WriteByte((byte)ValueTag.FirstUserTag);

        MessageDecodeException error = Assert.Throws<MessageDecodeException>(() => codec.DecodeFrame(Frame(writer.WrittenSpan), s_from, []));

        Assert.Contains(nameof(Uri), error.Message, StringComparison.Ordinal);
        Assert.IsType<FormatException>(error.InnerException);
    }

    [Fact]
    public void RoundTrip_UnencodableValueForwarded_KeepsTheOriginalTypeName()
    {
        // A worker that forwards a value it could not decode must not replace the original type by its marker's.
        PutExternal put = PutExternal.Rent();
        put.Key = "k";
        put.Value = new UnencodableValue("Some.User.Type");
        using var writer = new PooledBufferWriter();
        s_codec.EncodeFrame([put], writer);
        var decoded = new List<Message>();

        s_codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);

        Assert.Equal("Some.User.Type", Assert.IsType<UnencodableValue>(((PutExternal)decoded[0]).Value).TypeName);
        put.Value = null;
        put.Return();
        decoded[0].Return();
    }

    private static MessageDecodeException AssertDecodeError(byte[] frame)
    {
        var decoded = new List<Message>();
        MessageDecodeException error = Assert.Throws<MessageDecodeException>(() => s_codec.DecodeFrame(frame, s_from, decoded));
        Assert.Empty(decoded);
        Assert.Equal(0, s_pool.OutstandingCount);
        return error;
    }

    private static long AllocationBound(int frameLength) => (BytesPerFrameByte * frameLength) + AllocationSlack;

    /// <summary>Decodes one frame and checks everything the decoder promises; throws naming the frame otherwise.</summary>
    private static void CheckFrame(byte[] frame, Outcomes outcomes)
    {
        var decoded = new List<Message>();
        (Exception? error, long allocated) = Decode(frame, decoded);
        try
        {
            if (allocated > AllocationBound(frame.Length))
            {
                // The first decode of a new key name interns it for the life of the process, and pools grow once:
                // only an allocation that comes back on the same bytes is one sized by the input.
                ReturnAll(decoded);
                (error, allocated) = Decode(frame, decoded);
                if (allocated > AllocationBound(frame.Length))
                {
                    throw new InvalidOperationException(
                        $"decoding {frame.Length} bytes allocated {allocated:N0} bytes, over the bound of {AllocationBound(frame.Length):N0}.");
                }
            }

            switch (error)
            {
                case null:
                    AssertRoundTrip(decoded);
                    outcomes.Decoded++;
                    break;
                case MessageDecodeException decodeError:
                    if (string.IsNullOrWhiteSpace(decodeError.Message) || decoded.Count != 0)
                    {
                        throw new InvalidOperationException($"a decode error without a message or with {decoded.Count} messages left in the output.");
                    }

                    outcomes.Refused++;
                    break;
                default:
                    throw new InvalidOperationException($"{error.GetType().Name} instead of {nameof(MessageDecodeException)}.", error);
            }

            ReturnAll(decoded);
            if (s_pool.OutstandingCount != 0)
            {
                throw new InvalidOperationException($"{s_pool.OutstandingCount} pooled buffers were not returned.");
            }
        }
        catch (Exception failure)
        {
            throw new InvalidOperationException($"{failure.Message}\nframe ({frame.Length} bytes): {Hex(frame)}", failure.InnerException ?? failure);
        }
    }

    private static (Exception? Error, long Allocated) Decode(byte[] frame, List<Message> decoded)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            s_codec.DecodeFrame(frame, s_from, decoded);
            return (null, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (Exception error)
        {
            return (error, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    private static void AssertRoundTrip(List<Message> decoded)
    {
        // What decodes must be a valid message: it encodes again, and decodes to the same content.
        using var writer = new PooledBufferWriter();
        s_codec.EncodeFrame(decoded.ToArray(), writer);
        var again = new List<Message>();
        s_codec.DecodeFrame(writer.WrittenSpan, s_from, again);
        try
        {
            string first = string.Join("\n", decoded.Select(MessageSamples.Describe));
            string second = string.Join("\n", again.Select(MessageSamples.Describe));
            if (first != second)
            {
                throw new InvalidOperationException($"a decoded message does not survive a round trip:\n{first}\nbecame\n{second}");
            }
        }
        finally
        {
            ReturnAll(again);
        }
    }

    private static void ReturnAll(List<Message> messages)
    {
        foreach (Message message in messages)
        {
            // A message releases the values it holds, not pooled arrays inside arrays of values: those are the
            // handler's, which takes the array.
            switch (message)
            {
                case PutExternal { Value: object?[] items }:
                    ReleaseInside(items);
                    break;
                case DataReply reply:
                    foreach (object? value in reply.Values)
                    {
                        if (value is object?[] items)
                        {
                            ReleaseInside(items);
                        }
                    }

                    break;

                // A steering value is its handler's whole: the message lets it go without releasing it.
                case SteerRequest { Value: { } steered }:
                    ReleaseInside([steered]);
                    break;
                case SteerProposal { Value: { } proposed }:
                    ReleaseInside([proposed]);
                    break;
            }

            message.Return();
        }

        messages.Clear();
    }

    private static void ReleaseInside(object?[] items)
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

    private static string Hex(byte[] frame) =>
        frame.Length <= 1024 ? Convert.ToHexString(frame) : Convert.ToHexString(frame, 0, 1024) + $"… ({frame.Length - 1024} more)";

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A valid frame header and one to three messages of a random kind with random bodies.</summary>
    private static byte[] RandomBody(Random random)
    {
        int count = random.Next(1, 4);
        var frame = new List<byte> { (byte)'D', (byte)'S', MessageCodec.Version };
        AddInt32(frame, count);
        for (int i = 0; i < count; i++)
        {
            byte[] body = RandomBytes(random, random.Next(1, 120));
            body[0] = (byte)random.Next(0, Enum.GetValues<MessageKind>().Length + 2);
            AddInt32(frame, body.Length);
            frame.AddRange(body);
        }

        return [.. frame];
    }

    /// <summary>Applies one to four random mutations to a copy of <paramref name="seed"/>.</summary>
    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            int position = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(13))
            {
                case 0 when bytes.Count > 0:
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[position] = random.Next(2) == 0 ? s_interestingBytes[random.Next(s_interestingBytes.Length)] : (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case 3:
                    bytes.AddRange(RandomBytes(random, random.Next(4) == 0 ? random.Next(1, 4096) : random.Next(1, 32)));
                    break;
                case 4:
                    bytes.InsertRange(position, RandomBytes(random, random.Next(1, 16)));
                    break;
                case 5:
                    bytes.RemoveRange(position, Math.Min(random.Next(1, 16), bytes.Count - position));
                    break;
                case 6 when bytes.Count >= 4:
                case 7 when bytes.Count >= 4:
                {
                    // A length or count field set to a huge, negative or just-fitting value.
                    position = Math.Min(position, bytes.Count - 4);
                    int left = bytes.Count - position - 4;
                    int[] fitting = [left, left + 1, left / 2, left / 3, left / 4, left / 5, left / 8, (left / 8) + 1];
                    int value = random.Next(3) switch
                    {
                        0 => s_interestingInts[random.Next(s_interestingInts.Length)],
                        1 => fitting[random.Next(fitting.Length)],
                        _ => random.Next(int.MinValue, int.MaxValue),
                    };
                    SetInt32(bytes, position, value);
                    break;
                }

                case 8 when bytes.Count >= 8:
                {
                    position = Math.Min(position, bytes.Count - 8);
                    long[] values = [0, -1, long.MinValue, long.MaxValue, 1L << 62, (1L << 31) + 1, random.NextInt64()];
                    Span<byte> raw = stackalloc byte[8];
                    BinaryPrimitives.WriteInt64LittleEndian(raw, values[random.Next(values.Length)]);
                    for (int b = 0; b < 8; b++)
                    {
                        bytes[position + b] = raw[b];
                    }

                    break;
                }

                case 9 when bytes.Count > 2:
                {
                    // Two sections swapped.
                    int length = random.Next(1, Math.Max(2, bytes.Count / 4));
                    int a = random.Next(bytes.Count - length + 1);
                    int b = random.Next(bytes.Count - length + 1);
                    byte[] first = bytes.GetRange(a, length).ToArray();
                    byte[] second = bytes.GetRange(b, length).ToArray();
                    for (int k = 0; k < length; k++)
                    {
                        bytes[b + k] = first[k];
                    }

                    for (int k = 0; k < length; k++)
                    {
                        bytes[a + k] = second[k];
                    }

                    break;
                }

                case 10 when bytes.Count > 0:
                {
                    // A section duplicated elsewhere.
                    int length = Math.Min(random.Next(1, 64), bytes.Count - position);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(position, length));
                    break;
                }

                case 11:
                {
                    // Spliced with another seed: this one's start, the other's end.
                    byte[] other = s_seeds[random.Next(s_seeds.Length)];
                    bytes.RemoveRange(position, bytes.Count - position);
                    bytes.AddRange(other.AsSpan(random.Next(other.Length)).ToArray());
                    break;
                }

                case 12 when bytes.Count >= 12:
                    // The frame's own fields: message count, first message length, first message kind.
                    switch (random.Next(3))
                    {
                        case 0:
                            SetInt32(bytes, 3, s_interestingInts[random.Next(s_interestingInts.Length)]);
                            break;
                        case 1:
                            SetInt32(bytes, 7, s_interestingInts[random.Next(s_interestingInts.Length)]);
                            break;
                        default:
                            bytes[11] = (byte)random.Next(0, 40);
                            break;
                    }

                    break;
                default:
                    if (bytes.Count > 0)
                    {
                        bytes[position] = (byte)random.Next(256);
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static void SetInt32(List<byte> bytes, int position, int value)
    {
        for (int b = 0; b < 4; b++)
        {
            bytes[position + b] = (byte)(value >> (8 * b));
        }
    }

    private static void AddInt32(List<byte> bytes, int value)
    {
        for (int b = 0; b < 4; b++)
        {
            bytes.Add((byte)(value >> (8 * b)));
        }
    }

    /// <summary>Wraps one message body in a frame.</summary>
    private static byte[] Frame(ReadOnlySpan<byte> body)
    {
        var frame = new List<byte> { (byte)'D', (byte)'S', MessageCodec.Version };
        AddInt32(frame, 1);
        AddInt32(frame, body.Length);
        frame.AddRange(body.ToArray());
        return [.. frame];
    }

    private static void WriteKey(PooledBufferWriter writer, string name)
    {
        writer.WriteShortString(name);
        writer.WriteByte(0);
    }

    private static void WriteLongs(PooledBufferWriter writer, long[] values)
    {
        writer.WriteInt32(values.Length);
        foreach (long value in values)
        {
            writer.WriteInt64(value);
        }
    }

    private static ValueCodecRegistry CreateValues()
    {
        var values = new ValueCodecRegistry();
        DeisaMl.Register(new OperationRegistry(), values);
        return values;
    }

    /// <summary>Valid frames: every sample message alone, all of them together, and larger values.</summary>
    private static byte[][] CreateSeeds()
    {
        var frames = new List<byte[]>();
        using var writer = new PooledBufferWriter();
        Message[] samples = MessageSamples.All().ToArray();
        foreach (Message message in samples)
        {
            writer.Clear();
            s_codec.EncodeFrame([message], writer);
            frames.Add(writer.WrittenSpan.ToArray());
        }

        writer.Clear();
        s_codec.EncodeFrame(samples, writer);
        frames.Add(writer.WrittenSpan.ToArray());
        foreach (Message message in samples)
        {
            message.Return();
        }

        var random = new Random(FixedSeed);
        object?[] values =
        [
            new IncrementalPcaState(40, Doubles(random, 5), Doubles(random, 5), Doubles(random, 10), Doubles(random, 2), Doubles(random, 2), Doubles(random, 2), 0.5, 3, false),
            PooledArray<double>.CopyFrom(Doubles(random, 512)),
            new NdArray([16, 16], Doubles(random, 256)),
            new object?[] { new object?[] { 1L, "a", new object?[] { 2.5, null } }, new int[] { 1, 2, 3 }, new UnencodableValue("X.Y"), PooledArray<int>.CopyFrom([4, 5]) },
        ];
        foreach (object? value in values)
        {
            PutExternal put = PutExternal.Rent();
            put.Key = ("big", 3);
            put.PutId = 9;
            put.Value = value;
            writer.Clear();
            s_codec.EncodeFrame([put], writer);
            frames.Add(writer.WrittenSpan.ToArray());
            if (value is object?[] items)
            {
                ReleaseInside(items);
            }

            put.Return();
        }

        UpdateGraph update = UpdateGraph.Rent();
        for (int i = 0; i < 8; i++)
        {
            update.Keys.Add(("task", i));
            update.Specs.Add(i == 0 ? MessageSamples.RichSpec() : TaskSpec.Create(Add, new TaskKey("task", i - 1), TaskArg.FromInt64(i)));
        }

        update.Wanted.Add(("task", 7));
        writer.Clear();
        s_codec.EncodeFrame([update], writer);
        frames.Add(writer.WrittenSpan.ToArray());
        update.Return();
        return [.. frames];
    }

    private static double[] Doubles(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => random.NextDouble())];

    /// <summary>Counts how cases ended, so a fuzz that only ever takes one path fails.</summary>
    private sealed class Outcomes
    {
        public int Decoded { get; set; }

        public int Refused { get; set; }

        public void AssertBoth(int minimumDecoded, ITestOutputHelper output)
        {
            output.WriteLine($"{Decoded} cases decoded, {Refused} refused.");
            Assert.True(Refused > 0, "No case was refused: the inputs are not malformed.");
            Assert.True(Decoded >= minimumDecoded, $"Only {Decoded} cases decoded ({Refused} refused).");
        }
    }

    private sealed class ThrowingCodec : IValueCodec<Uri>
    {
        public void Write(Uri value, PooledBufferWriter writer) => writer.WriteString(value.ToString());

        public Uri Read(ref SpanReader reader) => throw new FormatException("not a URI");
    }
}
