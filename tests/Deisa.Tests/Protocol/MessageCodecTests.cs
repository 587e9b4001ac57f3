using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Protocol;

[Collection(AllocationCollection.Name)]
public sealed class MessageCodecTests
{
    private static readonly MessageCodec s_codec = new(Registry);
    private static readonly EndpointId s_from = EndpointId.Worker(7);

    public static TheoryData<MessageKind> Kinds()
    {
        var data = new TheoryData<MessageKind>();
        foreach (Message message in MessageSamples.All())
        {
            data.Add(message.Kind);
            message.Return();
        }

        return data;
    }

    [Fact]
    public void Samples_CoverEveryMessageKind()
    {
        MessageKind[] sampled = MessageSamples.All().Select(m => m.Kind).ToArray();

        Assert.Equal(Enum.GetValues<MessageKind>().Order(), sampled.Order());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RoundTrip_EveryKind_SameContent(MessageKind kind)
    {
        Message original = MessageSamples.All().Single(m => m.Kind == kind);
        string expected = MessageSamples.Describe(original);
        using var writer = new PooledBufferWriter();

        s_codec.EncodeFrame([original], writer);
        var decoded = new List<Message>();
        s_codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);

        Message copy = Assert.Single(decoded);
        Assert.Equal(kind, copy.Kind);
        Assert.Equal(s_from, copy.From);
        Assert.Equal(expected, MessageSamples.Describe(copy));
        original.Return();
        copy.Return();
    }

    [Fact]
    public void Frame_SeveralMessages_DecodedInOrder()
    {
        Message[] messages = MessageSamples.All().ToArray();
        using var writer = new PooledBufferWriter();

        s_codec.EncodeFrame(messages, writer);
        var decoded = new List<Message>();
        s_codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);

        Assert.Equal(messages.Select(MessageSamples.Describe), decoded.Select(MessageSamples.Describe));
        foreach (Message message in messages.Concat(decoded))
        {
            message.Return();
        }
    }

    [Fact]
    public void Encode_LocalDelegate_RefusedWithClearError()
    {
        ComputeTask compute = ComputeTask.Rent();
        compute.Key = "k";
        compute.Spec = TaskSpec.Local(static () => 1);
        using var writer = new PooledBufferWriter();

        NotSupportedException error = Assert.Throws<NotSupportedException>(() => s_codec.Encode(compute, writer));

        Assert.Contains("register the operation", error.Message, StringComparison.Ordinal);
        compute.Return();
    }

    [Fact]
    public void UnknownValueType_DecodedAsMarkerNamingIt()
    {
        PutExternal put = PutExternal.Rent();
        put.Key = "k";
        put.Value = new Uri("http://example.org");
        using var writer = new PooledBufferWriter();

        s_codec.EncodeFrame([put], writer);
        var decoded = new List<Message>();
        s_codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);

        var marker = Assert.IsType<UnencodableValue>(((PutExternal)decoded[0]).Value);
        Assert.Equal("System.Uri", marker.TypeName);
        Assert.Contains("register an IValueCodec", marker.ToException("x").Message, StringComparison.Ordinal);
        put.Value = null;
        put.Return();
        decoded[0].Return();
    }

    [Fact]
    public void UserValueCodec_RoundTrips()
    {
        var values = new ValueCodecRegistry();
        values.Register((byte)ValueTag.FirstUserTag, new PointCodec());
        var codec = new MessageCodec(Registry, values);
        PutExternal put = PutExternal.Rent();
        put.Key = "p";
        put.Value = new Point(3, -4);
        using var writer = new PooledBufferWriter();

        codec.EncodeFrame([put], writer);
        var decoded = new List<Message>();
        codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);

        Assert.Equal(new Point(3, -4), ((PutExternal)decoded[0]).Value);
        put.Return();
        decoded[0].Return();
    }

    [Fact]
    public void Decode_TruncatedAtEveryLength_ThrowsDecodeError()
    {
        Message[] messages = MessageSamples.All().ToArray();
        using var writer = new PooledBufferWriter();
        s_codec.EncodeFrame(messages, writer);
        byte[] frame = writer.WrittenSpan.ToArray();
        foreach (Message message in messages)
        {
            message.Return();
        }

        var pool = new BufferPool();
        var codec = new MessageCodec(Registry, pool: pool);
        for (int length = 0; length < frame.Length; length++)
        {
            var decoded = new List<Message>();
            Assert.Throws<MessageDecodeException>(() => codec.DecodeFrame(frame.AsSpan(0, length), s_from, decoded));
            Assert.Empty(decoded);
        }

        // Pooled arrays decoded before the fault went back to the pool.
        Assert.True(pool.RentedCount > 0);
        Assert.Equal(0, pool.OutstandingCount);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X', (byte)'S', 1, 0, 0, 0, 0 }, "magic")]
    [InlineData(new byte[] { (byte)'D', (byte)'S', 9, 0, 0, 0, 0 }, "version 9")]
    [InlineData(new byte[] { (byte)'D', (byte)'S', 1, 255, 255, 255, 127 }, "count of")]
    [InlineData(new byte[] { (byte)'D', (byte)'S', 1, 1, 0, 0, 0, 1, 0, 0, 0, 200 }, "unknown message kind 200")]
    public void Decode_BadHeader_NamesTheProblem(byte[] frame, string expected)
    {
        MessageDecodeException error = Assert.Throws<MessageDecodeException>(() => s_codec.DecodeFrame(frame, s_from, []));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnregisteredOperation_NamesIt()
    {
        var other = new OperationRegistry();
        other.Register<long, long>("only-here", static x => x);
        ComputeTask compute = ComputeTask.Rent();
        compute.Key = "k";
        compute.Spec = other.Spec("only-here", 1);
        using var writer = new PooledBufferWriter();
        new MessageCodec(other).EncodeFrame([compute], writer);

        MessageDecodeException error = Assert.Throws<MessageDecodeException>(() => s_codec.DecodeFrame(writer.WrittenSpan, s_from, []));

        Assert.Contains("only-here", error.Message, StringComparison.Ordinal);
        compute.Return();
    }

    [Theory]
    [InlineData(MessageKind.TaskFinished)]
    [InlineData(MessageKind.ExternalArrived)]
    [InlineData(MessageKind.FreeKeys)]
    [InlineData(MessageKind.GetData)]
    [InlineData(MessageKind.KeyInMemory)]
    [InlineData(MessageKind.ReleaseKeys)]
    [InlineData(MessageKind.PutAck)]
    public void SteadyState_EncodeDecode_AllocatesNothing(MessageKind kind)
    {
        Message message = MessageSamples.All().Single(m => m.Kind == kind);
        using var writer = new PooledBufferWriter();
        var decoded = new List<Message>(4);
        Assert.Equal(0, AllocatedInSteadyState([message], writer, decoded));
        message.Return();
    }

    [Fact]
    public void SteadyState_KeysOfDerivedArrays_EncodeDecodeAllocatingNothing()
    {
        // A derived array's name is rebuilt from its code rather than stored, so the codec must write it without
        // building the string.
        FreeKeys message = FreeKeys.Rent();
        string name = DeisaArrays.NewName("mean");
        message.Keys.Add(new TaskKey(name, 3, 1));
        message.Keys.Add(new TaskKey($"{name}-combine2", 0));
        using var writer = new PooledBufferWriter();
        var decoded = new List<Message>(4);
        s_codec.EncodeFrame([message], writer);
        s_codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);
        Assert.Equal(message.Keys, ((FreeKeys)decoded[0]).Keys);
        decoded[0].Return();
        decoded.Clear();

        Assert.Equal(0, AllocatedInSteadyState([message], writer, decoded));
        message.Return();
    }

    /// <summary>The bytes 1,000 round trips of a batch allocate, after 100 that warm up the JIT, pools, names and lists.</summary>
    private static long AllocatedInSteadyState(Message[] batch, PooledBufferWriter writer, List<Message> decoded)
    {
        for (int i = 0; i < 100; i++)
        {
            RoundTrip(batch, writer, decoded);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RoundTrip(batch, writer, decoded);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void RoundTrip(Message[] batch, PooledBufferWriter writer, List<Message> decoded)
    {
        writer.Clear();
        s_codec.EncodeFrame(batch, writer);
        s_codec.DecodeFrame(writer.WrittenSpan, s_from, decoded);
        decoded[0].Return();
        decoded.Clear();
    }

    private sealed record Point(int X, int Y);

    private sealed class PointCodec : IValueCodec<Point>
    {
        public void Write(Point value, PooledBufferWriter writer)
        {
            writer.WriteInt32(value.X);
            writer.WriteInt32(value.Y);
        }

        public Point Read(ref SpanReader reader) => new(reader.ReadInt32(), reader.ReadInt32());
    }
}
