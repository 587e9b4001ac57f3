using System.Runtime.InteropServices;
using System.Text;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Core.Protocol;

/// <summary>The binary form of messages, for transports whose endpoints live in different processes.</summary>
/// <remarks>
/// <para>A frame is <c>'D' 'S' version count</c> followed by <c>count</c> messages, each a 32-bit length and a
/// body that starts with its <see cref="MessageKind"/>. Integers are little-endian; keys are a short UTF-8 name, an
/// index count and 32-bit indices.</para>
/// <para>Encoding writes into a reused <see cref="PooledBufferWriter"/>; decoding rents messages from their pools,
/// resolves key names and operation names through interned tables, and so allocates nothing for control messages
/// in steady state. What decoding must create, it creates: task specs, strings, errors, and values (arrays into
/// pooled buffers). Every length is checked against the bytes left before anything is sized from it, arrays that
/// nest (argument lists, arrays of values) grow with the items actually read and nest at most 32 deep, so a frame of
/// N bytes allocates in proportion to N (plus each new key name, interned for the life of the process); bad input
/// raises <see cref="Errors.MessageDecodeException"/>, never another exception. Thread-safe.</para>
/// </remarks>
public sealed class MessageCodec
{
    /// <summary>The frame format version; a frame of another version is refused.</summary>
    public const byte Version = 1;

    private const byte Magic0 = (byte)'D';
    private const byte Magic1 = (byte)'S';
    private const int MaxArgDepth = 32;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly OperationRegistry _operations;
    private readonly ValueCodecRegistry _values;
    private readonly BufferPool _pool;

    /// <summary>Creates a codec.</summary>
    /// <param name="operations">Where operation names in tasks are looked up.</param>
    /// <param name="values">How values are written; <see cref="ValueCodecRegistry.Default"/> when null.</param>
    /// <param name="pool">Where decoded pooled arrays take their buffers; <see cref="BufferPool.Shared"/> when null.</param>
    public MessageCodec(OperationRegistry operations, ValueCodecRegistry? values = null, BufferPool? pool = null)
    {
        _operations = operations ?? throw new ArgumentNullException(nameof(operations));
        _values = values ?? ValueCodecRegistry.Default;
        _pool = pool ?? BufferPool.Shared;
    }

    /// <summary>Writes a frame holding <paramref name="messages"/>.</summary>
    /// <param name="messages">The messages; not returned to their pools.</param>
    /// <param name="writer">The destination; appended to.</param>
    public void EncodeFrame(ReadOnlySpan<Message> messages, PooledBufferWriter writer)
    {
        writer.WriteByte(Magic0);
        writer.WriteByte(Magic1);
        writer.WriteByte(Version);
        writer.WriteInt32(messages.Length);
        foreach (Message message in messages)
        {
            int lengthAt = writer.Reserve(4);
            int start = writer.WrittenCount;
            Encode(message, writer);
            writer.PatchInt32(lengthAt, writer.WrittenCount - start);
        }
    }

    /// <summary>Reads every message of a frame.</summary>
    /// <param name="frame">The bytes of one frame.</param>
    /// <param name="from">The sender, stamped on each message.</param>
    /// <param name="output">Receives the messages, which the caller then owns.</param>
    /// <exception cref="Errors.MessageDecodeException">The frame is malformed; messages decoded before the fault are returned to their pools.</exception>
    public void DecodeFrame(ReadOnlySpan<byte> frame, EndpointId from, List<Message> output)
    {
        int first = output.Count;
        try
        {
            var reader = new SpanReader(frame);
            if (reader.ReadByte() != Magic0 || reader.ReadByte() != Magic1)
            {
                throw reader.Fail("not a Deisa frame (bad magic bytes).");
            }

            byte version = reader.ReadByte();
            if (version != Version)
            {
                throw reader.Fail($"frame version {version}, but this build reads version {Version}; run the same Deisa build on every rank.");
            }

            int count = reader.ReadCount(5, "messages");
            for (int i = 0; i < count; i++)
            {
                int length = reader.ReadCount(1, "message bytes");
                var body = new SpanReader(reader.ReadBytes(length));
                Message message = Decode(ref body);
                message.From = from;
                output.Add(message);
                if (body.Remaining != 0)
                {
                    throw body.Fail($"{body.Remaining} bytes left over after a {message.Kind} message.");
                }
            }

            if (reader.Remaining != 0)
            {
                throw reader.Fail($"{reader.Remaining} bytes left over after the last message.");
            }
        }
        catch
        {
            for (int i = output.Count - 1; i >= first; i--)
            {
                Discard(output[i]);
                output.RemoveAt(i);
            }

            throw;
        }
    }

    /// <summary>Writes one message body (no frame).</summary>
    /// <param name="message">The message.</param>
    /// <param name="writer">The destination.</param>
    /// <exception cref="NotSupportedException">The message holds something that cannot leave the process (a local task, an unregistered value type).</exception>
    public void Encode(Message message, PooledBufferWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        writer.WriteByte((byte)message.Kind);
        switch (message)
        {
            case UpdateGraph m:
                writer.WriteInt64(m.RequestId);
                writer.WriteInt32(m.Keys.Count);
                for (int i = 0; i < m.Keys.Count; i++)
                {
                    WriteKey(m.Keys[i], writer);
                    WriteSpec(m.Specs[i], writer);
                }

                WriteKeys(m.Wanted, writer);
                WriteKeys(m.Externals, writer);
                writer.WriteByte(m.PushValues ? (byte)1 : (byte)0);
                break;
            case CreateExternal m:
                writer.WriteInt64(m.RequestId);
                WriteKeys(m.Keys, writer);
                break;
            case ReleaseKeys m:
                WriteKeys(m.Keys, writer);
                break;
            case FailExternal m:
                writer.WriteInt64(m.RequestId);
                WriteKey(m.Key, writer);
                writer.WriteString(m.Reason);
                break;
            case QueryStory m:
                writer.WriteInt64(m.RequestId);
                WriteKey(m.Key, writer);
                break;
            case RequestReply m:
                writer.WriteInt64(m.RequestId);
                WriteError(m.Error, writer);
                break;
            case KeyInMemory m:
                WriteKey(m.Key, writer);
                WriteEndpoint(m.Holder, writer);
                writer.WriteInt64(m.Nbytes);
                writer.WriteByte(m.Pushed ? (byte)1 : (byte)0);
                break;
            case KeyErred m:
                WriteKey(m.Key, writer);
                WriteKey(m.CauseKey, writer);
                WriteError(m.Error, writer);
                writer.WriteString(m.Story);
                break;
            case StoryReply m:
                writer.WriteInt64(m.RequestId);
                writer.WriteString(m.Text);
                break;
            case ComputeTask m:
                WriteKey(m.Key, writer);
                WriteSpec(m.Spec ?? throw new InvalidOperationException($"ComputeTask for {m.Key} has no task."), writer);
                writer.WriteInt64(m.Priority);
                writer.WriteInt32(m.Holders.Count);
                foreach (EndpointId holder in m.Holders)
                {
                    WriteEndpoint(holder, writer);
                }

                writer.WriteByte(m.PushTo is null ? (byte)0 : (byte)1);
                if (m.PushTo is { } pushTo)
                {
                    WriteEndpoint(pushTo, writer);
                }

                break;
            case FreeKeys m:
                WriteKeys(m.Keys, writer);
                break;
            case TaskFinished m:
                WriteKey(m.Key, writer);
                writer.WriteInt64(m.Nbytes);
                break;
            case TaskErred m:
                WriteKey(m.Key, writer);
                WriteError(m.Error, writer);
                break;
            case ExternalArrived m:
                WriteKey(m.Key, writer);
                writer.WriteInt64(m.Nbytes);
                WriteEndpoint(m.Producer, writer);
                writer.WriteInt64(m.PutId);
                writer.WriteByte(m.Stored ? (byte)1 : (byte)0);
                break;
            case GetData m:
                writer.WriteInt64(m.RequestId);
                WriteKeys(m.Keys, writer);
                break;
            case DataReply m:
                writer.WriteInt64(m.RequestId);
                writer.WriteInt32(m.Keys.Count);
                for (int i = 0; i < m.Keys.Count; i++)
                {
                    WriteKey(m.Keys[i], writer);
                    _values.Write(m.Values[i], writer);
                }

                WriteKeys(m.Missing, writer);
                break;
            case PutExternal m:
                WriteKey(m.Key, writer);
                writer.WriteInt64(m.PutId);
                writer.WriteByte(m.NotifyRelease ? (byte)1 : (byte)0);
                _values.Write(m.Value, writer);
                break;
            case PutAck m:
                writer.WriteInt64(m.PutId);
                WriteKey(m.Key, writer);
                WriteError(m.Error, writer);
                break;
            case Close:
                break;
            case DeclareArrays m:
                writer.WriteInt32(m.Arrays.Count);
                foreach (ArrayDeclaration declaration in m.Arrays)
                {
                    WriteDeclaration(declaration, writer);
                }

                break;
            case GetArrays m:
                writer.WriteInt64(m.RequestId);
                break;
            case ArraysReply m:
                writer.WriteInt64(m.RequestId);
                writer.WriteInt32(m.Declarations.Count);
                for (int i = 0; i < m.Declarations.Count; i++)
                {
                    writer.WriteInt32(m.Producers[i]);
                    WriteDeclaration(m.Declarations[i], writer);
                }

                WriteError(m.Error, writer);
                break;
            case ValidateContract m:
                writer.WriteInt64(m.RequestId);
                break;
            case RevokeContract m:
                writer.WriteInt64(m.RequestId);
                writer.WriteString(m.Reason);
                break;
            case ContractUpdate m:
                writer.WriteByte(m.Revoked ? (byte)1 : (byte)0);
                writer.WriteString(m.Reason);
                writer.WriteInt32(m.Entries.Count);
                foreach (ContractEntry entry in m.Entries)
                {
                    writer.WriteString(entry.Array);
                    writer.WriteInt32(entry.Block.Length);
                    writer.WriteRaw<int>(entry.Block);
                    WriteEndpoint(entry.Worker, writer);
                    entry.Steps.Write(writer);
                }

                break;
            case ProducerFinished m:
                WriteKeys(m.Missing, writer);
                writer.WriteInt64(m.BlocksShipped);
                writer.WriteInt32(m.LastSteps.Count);
                foreach ((string array, int lastStep) in m.LastSteps)
                {
                    writer.WriteString(array);
                    writer.WriteInt32(lastStep);
                }

                break;
            case KeysReleased m:
                WriteKeys(m.Keys, writer);
                break;
            case DeclareInterest m:
                writer.WriteInt64(m.RequestId);
                writer.WriteInt64(m.InterestId);
                writer.WriteString(m.Description);
                writer.WriteInt32(m.Requirements.Count);
                foreach (SourceRequirement requirement in m.Requirements)
                {
                    writer.WriteString(requirement.Array);
                    requirement.Steps.Write(writer);
                    writer.WriteInt32(requirement.Blocks.Count);
                    foreach (StepSet blocks in requirement.Blocks)
                    {
                        blocks.Write(writer);
                    }
                }

                break;
            case WithdrawInterest m:
                writer.WriteInt64(m.InterestId);
                break;
            case StepArrived m:
                writer.WriteInt32(m.Step);
                break;
            case OpenArrayProgress m:
                writer.WriteString(m.Array);
                writer.WriteInt32(m.Complete);
                writer.WriteInt32(m.End);
                break;
            case SteerRequest m:
                writer.WriteInt64(m.RequestId);
                writer.WriteString(m.Name);
                writer.WriteInt32(m.Step);
                _values.Write(m.Value, writer);
                break;
            case SteerProposal m:
                writer.WriteInt64(m.ProposalId);
                writer.WriteString(m.Name);
                writer.WriteInt32(m.Step);
                _values.Write(m.Value, writer);
                break;
            case SteerVote m:
                writer.WriteInt64(m.ProposalId);
                writer.WriteByte(m.Accepted ? (byte)1 : (byte)0);
                writer.WriteInt32(m.ReadUpTo);
                break;
            case SteerDecision m:
                writer.WriteInt64(m.ProposalId);
                writer.WriteByte(m.Commit ? (byte)1 : (byte)0);
                break;
            case DropExternal m:
                WriteKeys(m.Keys, writer);
                writer.WriteString(m.Reason);
                writer.WriteByte(m.Skipped ? (byte)1 : (byte)0);
                break;
            case BlockMetadata m:
                WriteKey(m.Key, writer);
                WriteEndpoint(m.Worker, writer);
                WriteLongs(m.Start, writer);
                WriteLongs(m.Count, writer);
                break;
            default:
                throw new NotSupportedException($"The codec does not know message type {message.GetType().Name}.");
        }
    }

    /// <summary>Reads one message body (no frame).</summary>
    /// <param name="reader">The source, positioned at the message kind.</param>
    /// <returns>The message, rented from its pool and owned by the caller.</returns>
    /// <exception cref="Errors.MessageDecodeException">The bytes are not a valid message.</exception>
    public Message Decode(ref SpanReader reader)
    {
        byte kind = reader.ReadByte();
        switch ((MessageKind)kind)
        {
            case MessageKind.UpdateGraph:
            {
                UpdateGraph m = UpdateGraph.Rent();
                return Guard(m, ref reader, static (UpdateGraph m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    int count = r.ReadCount(3, "tasks");
                    for (int i = 0; i < count; i++)
                    {
                        m.Keys.Add(ReadKey(ref r));
                        m.Specs.Add(c.ReadSpec(ref r));
                    }

                    ReadKeys(ref r, m.Wanted);
                    ReadKeys(ref r, m.Externals);
                    m.PushValues = r.ReadByte() != 0;
                });
            }

            case MessageKind.CreateExternal:
                return Guard(CreateExternal.Rent(), ref reader, static (CreateExternal m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    ReadKeys(ref r, m.Keys);
                });
            case MessageKind.ReleaseKeys:
                return Guard(ReleaseKeys.Rent(), ref reader, static (ReleaseKeys m, MessageCodec c, ref SpanReader r) => ReadKeys(ref r, m.Keys));
            case MessageKind.FailExternal:
                return Guard(FailExternal.Rent(), ref reader, static (FailExternal m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.Key = ReadKey(ref r);
                    m.Reason = r.ReadString();
                });
            case MessageKind.QueryStory:
                return Guard(QueryStory.Rent(), ref reader, static (QueryStory m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.Key = ReadKey(ref r);
                });
            case MessageKind.RequestReply:
                return Guard(RequestReply.Rent(), ref reader, static (RequestReply m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.Error = ReadError(ref r);
                });
            case MessageKind.KeyInMemory:
                return Guard(KeyInMemory.Rent(), ref reader, static (KeyInMemory m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.Holder = ReadEndpoint(ref r);
                    m.Nbytes = r.ReadInt64();
                    m.Pushed = r.ReadByte() != 0;
                });
            case MessageKind.KeyErred:
                return Guard(KeyErred.Rent(), ref reader, static (KeyErred m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.CauseKey = ReadKey(ref r);
                    m.Error = ReadError(ref r);
                    m.Story = r.ReadString();
                });
            case MessageKind.StoryReply:
                return Guard(StoryReply.Rent(), ref reader, static (StoryReply m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.Text = r.ReadString();
                });
            case MessageKind.ComputeTask:
                return Guard(ComputeTask.Rent(), ref reader, static (ComputeTask m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.Spec = c.ReadSpec(ref r);
                    m.Priority = r.ReadInt64();
                    int count = r.ReadCount(5, "holders");
                    if (count != m.Spec.Dependencies.Length)
                    {
                        throw r.Fail($"task {m.Key} has {m.Spec.Dependencies.Length} dependencies but {count} holders.");
                    }

                    for (int i = 0; i < count; i++)
                    {
                        m.Holders.Add(ReadEndpoint(ref r));
                    }

                    if (r.ReadByte() != 0)
                    {
                        m.PushTo = ReadEndpoint(ref r);
                    }
                });
            case MessageKind.FreeKeys:
                return Guard(FreeKeys.Rent(), ref reader, static (FreeKeys m, MessageCodec c, ref SpanReader r) => ReadKeys(ref r, m.Keys));
            case MessageKind.TaskFinished:
                return Guard(TaskFinished.Rent(), ref reader, static (TaskFinished m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.Nbytes = r.ReadInt64();
                });
            case MessageKind.TaskErred:
                return Guard(TaskErred.Rent(), ref reader, static (TaskErred m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.Error = ReadError(ref r);
                });
            case MessageKind.ExternalArrived:
                return Guard(ExternalArrived.Rent(), ref reader, static (ExternalArrived m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.Nbytes = r.ReadInt64();
                    m.Producer = ReadEndpoint(ref r);
                    m.PutId = r.ReadInt64();
                    m.Stored = r.ReadByte() != 0;
                });
            case MessageKind.GetData:
                return Guard(GetData.Rent(), ref reader, static (GetData m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    ReadKeys(ref r, m.Keys);
                });
            case MessageKind.DataReply:
                return Guard(DataReply.Rent(), ref reader, static (DataReply m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    int count = r.ReadCount(3, "values");
                    for (int i = 0; i < count; i++)
                    {
                        m.Keys.Add(ReadKey(ref r));
                        m.Values.Add(c._values.Read(ref r, c._pool));
                    }

                    ReadKeys(ref r, m.Missing);
                });
            case MessageKind.PutExternal:
                return Guard(PutExternal.Rent(), ref reader, static (PutExternal m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.PutId = r.ReadInt64();
                    m.NotifyRelease = r.ReadByte() != 0;
                    m.Value = c._values.Read(ref r, c._pool);
                });
            case MessageKind.PutAck:
                return Guard(PutAck.Rent(), ref reader, static (PutAck m, MessageCodec c, ref SpanReader r) =>
                {
                    m.PutId = r.ReadInt64();
                    m.Key = ReadKey(ref r);
                    m.Error = ReadError(ref r);
                });
            case MessageKind.Close:
                return Close.Rent();
            case MessageKind.DeclareArrays:
                return Guard(DeclareArrays.Rent(), ref reader, static (DeclareArrays m, MessageCodec c, ref SpanReader r) =>
                {
                    int count = r.ReadCount(8, "arrays");
                    for (int i = 0; i < count; i++)
                    {
                        m.Arrays.Add(ReadDeclaration(ref r));
                    }
                });
            case MessageKind.GetArrays:
                return Guard(GetArrays.Rent(), ref reader, static (GetArrays m, MessageCodec c, ref SpanReader r) => m.RequestId = r.ReadInt64());
            case MessageKind.ArraysReply:
                return Guard(ArraysReply.Rent(), ref reader, static (ArraysReply m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    int count = r.ReadCount(12, "declarations");
                    for (int i = 0; i < count; i++)
                    {
                        m.Producers.Add(r.ReadInt32());
                        m.Declarations.Add(ReadDeclaration(ref r));
                    }

                    m.Error = ReadError(ref r);
                });
            case MessageKind.ValidateContract:
                return Guard(ValidateContract.Rent(), ref reader, static (ValidateContract m, MessageCodec c, ref SpanReader r) => m.RequestId = r.ReadInt64());
            case MessageKind.RevokeContract:
                return Guard(RevokeContract.Rent(), ref reader, static (RevokeContract m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.Reason = r.ReadString();
                });
            case MessageKind.ContractUpdate:
                return Guard(ContractUpdate.Rent(), ref reader, static (ContractUpdate m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Revoked = r.ReadByte() != 0;
                    m.Reason = r.ReadString();
                    int count = r.ReadCount(17, "contract entries");
                    for (int i = 0; i < count; i++)
                    {
                        string array = r.ReadString();
                        int dimensions = r.ReadCount(4, "block indices");
                        if (dimensions > ArrayDeclaration.MaxSpatialDimensions)
                        {
                            throw r.Fail($"a contract entry has {dimensions} block indices.");
                        }

                        int[] block = new int[dimensions];
                        r.ReadRaw<int>(block);
                        EndpointId worker = ReadEndpoint(ref r);
                        m.Entries.Add(new ContractEntry(array, block, worker, StepSet.Read(ref r)));
                    }
                });
            case MessageKind.BlockMetadata:
                return Guard(BlockMetadata.Rent(), ref reader, static (BlockMetadata m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Key = ReadKey(ref r);
                    m.Worker = ReadEndpoint(ref r);
                    ReadLongs(ref r, m.Start);
                    ReadLongs(ref r, m.Count);
                });
            case MessageKind.ProducerFinished:
                return Guard(ProducerFinished.Rent(), ref reader, static (ProducerFinished m, MessageCodec c, ref SpanReader r) =>
                {
                    ReadKeys(ref r, m.Missing);
                    m.BlocksShipped = r.ReadInt64();
                    int arrays = r.ReadCount(8, "arrays' last steps");
                    for (int i = 0; i < arrays; i++)
                    {
                        string array = r.ReadString();
                        int lastStep = r.ReadInt32();
                        if (lastStep < -1)
                        {
                            throw r.Fail($"a finish notice gives '{array}' the last step {lastStep}.");
                        }

                        m.LastSteps.Add((array, lastStep));
                    }
                });
            case MessageKind.KeysReleased:
                return Guard(KeysReleased.Rent(), ref reader, static (KeysReleased m, MessageCodec c, ref SpanReader r) => ReadKeys(ref r, m.Keys));
            case MessageKind.DropExternal:
                return Guard(DropExternal.Rent(), ref reader, static (DropExternal m, MessageCodec c, ref SpanReader r) =>
                {
                    ReadKeys(ref r, m.Keys);
                    m.Reason = r.ReadString();
                    m.Skipped = r.ReadByte() != 0;
                });
            case MessageKind.DeclareInterest:
                return Guard(DeclareInterest.Rent(), ref reader, static (DeclareInterest m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.InterestId = r.ReadInt64();
                    m.Description = r.ReadString();
                    int count = r.ReadCount(12, "requirements");
                    for (int i = 0; i < count; i++)
                    {
                        string array = r.ReadString();
                        StepSet steps = StepSet.Read(ref r);
                        int dimensions = r.ReadCount(4, "block dimensions");
                        if (dimensions > ArrayDeclaration.MaxSpatialDimensions)
                        {
                            throw r.Fail($"a requirement of '{array}' has {dimensions} block dimensions.");
                        }

                        var blocks = new StepSet[dimensions];
                        for (int d = 0; d < dimensions; d++)
                        {
                            blocks[d] = StepSet.Read(ref r);
                        }

                        m.Requirements.Add(new SourceRequirement(array, steps, blocks));
                    }
                });
            case MessageKind.WithdrawInterest:
                return Guard(WithdrawInterest.Rent(), ref reader, static (WithdrawInterest m, MessageCodec c, ref SpanReader r) => m.InterestId = r.ReadInt64());
            case MessageKind.StepArrived:
                return Guard(StepArrived.Rent(), ref reader, static (StepArrived m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Step = r.ReadInt32();
                    if (m.Step < 0)
                    {
                        throw r.Fail($"a progress notice names step {m.Step}.");
                    }
                });
            case MessageKind.OpenArrayProgress:
                return Guard(OpenArrayProgress.Rent(), ref reader, static (OpenArrayProgress m, MessageCodec c, ref SpanReader r) =>
                {
                    m.Array = r.ReadString();
                    m.Complete = r.ReadInt32();
                    m.End = r.ReadInt32();
                    if (m.Complete < 0 || m.End < 0)
                    {
                        throw r.Fail($"the progress of open-ended array '{m.Array}' names {m.Complete} complete steps and an end at {m.End}.");
                    }
                });
            case MessageKind.SteerRequest:
                return Guard(SteerRequest.Rent(), ref reader, static (SteerRequest m, MessageCodec c, ref SpanReader r) =>
                {
                    m.RequestId = r.ReadInt64();
                    m.Name = r.ReadString();
                    m.Step = ReadSteeringStep(ref r, m.Name);
                    m.Value = c._values.Read(ref r, c._pool);
                });
            case MessageKind.SteerProposal:
                return Guard(SteerProposal.Rent(), ref reader, static (SteerProposal m, MessageCodec c, ref SpanReader r) =>
                {
                    m.ProposalId = r.ReadInt64();
                    m.Name = r.ReadString();
                    m.Step = ReadSteeringStep(ref r, m.Name);
                    m.Value = c._values.Read(ref r, c._pool);
                });
            case MessageKind.SteerVote:
                return Guard(SteerVote.Rent(), ref reader, static (SteerVote m, MessageCodec c, ref SpanReader r) =>
                {
                    m.ProposalId = r.ReadInt64();
                    m.Accepted = r.ReadByte() != 0;
                    m.ReadUpTo = r.ReadInt32();
                });
            case MessageKind.SteerDecision:
                return Guard(SteerDecision.Rent(), ref reader, static (SteerDecision m, MessageCodec c, ref SpanReader r) =>
                {
                    m.ProposalId = r.ReadInt64();
                    m.Commit = r.ReadByte() != 0;
                });
            default:
                throw reader.Fail($"unknown message kind {kind}.");
        }
    }

    /// <summary>Returns a message this codec decoded and no one else saw, with every pooled array it created.</summary>
    private static void Discard(Message message)
    {
        // Return releases the values a message holds, not pooled arrays inside arrays of values, which belong to
        // whoever takes the array; here that is still the decoder.
        switch (message)
        {
            case PutExternal { Value: object?[] items }:
                ValueCodecRegistry.ReleaseInside(items);
                break;
            case DataReply reply:
                foreach (object? value in reply.Values)
                {
                    if (value is object?[] items)
                    {
                        ValueCodecRegistry.ReleaseInside(items);
                    }
                }

                break;

            // A steering value is released by nobody but its handler: the message lets it go without releasing it.
            case SteerRequest { Value: { } steered }:
                ValueCodecRegistry.ReleaseInside([steered]);
                break;
            case SteerProposal { Value: { } proposed }:
                ValueCodecRegistry.ReleaseInside([proposed]);
                break;
        }

        message.Return();
    }

    private delegate void BodyReader<TMessage>(TMessage message, MessageCodec codec, ref SpanReader reader);

    private TMessage Guard<TMessage>(TMessage message, ref SpanReader reader, BodyReader<TMessage> read)
        where TMessage : Message
    {
        try
        {
            read(message, this, ref reader);
            return message;
        }
        catch
        {
            Discard(message);
            throw;
        }
    }

    private static void WriteKey(TaskKey key, PooledBufferWriter writer)
    {
        Span<byte> name = writer.GetSpan(1 + KeyNames.MaxUtf8Length);
        int length = KeyNames.WriteUtf8(key.NameCode, name[1..]);
        name[0] = (byte)length;
        writer.Advance(1 + length);
        writer.WriteByte((byte)key.IndexCount);
        Span<int> indices = stackalloc int[TaskKey.MaxIndices];
        int count = key.CopyIndicesTo(indices);
        writer.WriteRaw<int>(indices[..count]);
    }

    private static TaskKey ReadKey(ref SpanReader reader)
    {
        ReadOnlySpan<byte> name = reader.ReadShortStringUtf8();
        if (name.IsEmpty)
        {
            throw reader.Fail("a key has an empty name.");
        }

        long nameCode;
        try
        {
            nameCode = KeyNames.InternUtf8(name);
        }
        catch (DecoderFallbackException)
        {
            throw reader.Fail("a key name is not valid UTF-8.");
        }
        catch (ArgumentException e)
        {
            throw reader.Fail($"invalid key name: {e.Message}");
        }

        int count = reader.ReadByte();
        if (count > TaskKey.MaxIndices)
        {
            throw reader.Fail($"a key has {count} indices; at most {TaskKey.MaxIndices} are allowed.");
        }

        Span<int> indices = stackalloc int[TaskKey.MaxIndices];
        reader.ReadRaw(indices[..count]);
        return new TaskKey(nameCode, indices[..count]);
    }

    private static void WriteKeys(List<TaskKey> keys, PooledBufferWriter writer)
    {
        writer.WriteInt32(keys.Count);
        foreach (TaskKey key in CollectionsMarshal.AsSpan(keys))
        {
            WriteKey(key, writer);
        }
    }

    private static void ReadKeys(ref SpanReader reader, List<TaskKey> keys)
    {
        int count = reader.ReadCount(3, "keys");
        if (keys.Capacity < count)
        {
            keys.Capacity = count;
        }

        for (int i = 0; i < count; i++)
        {
            keys.Add(ReadKey(ref reader));
        }
    }

    private static void WriteDeclaration(ArrayDeclaration declaration, PooledBufferWriter writer)
    {
        writer.WriteString(declaration.Name);
        writer.WriteByte((byte)declaration.ElementType);
        writer.WriteInt32(declaration.TimeDimension);
        WriteLongs(declaration.Shape, writer);
        WriteLongs(declaration.Start, writer);
        WriteLongs(declaration.Count, writer);
        writer.WriteInt32(declaration.DimensionNames.Count);
        foreach (string name in declaration.DimensionNames)
        {
            writer.WriteString(name);
        }
    }

    private static ArrayDeclaration ReadDeclaration(ref SpanReader reader)
    {
        string name = reader.ReadString();
        byte type = reader.ReadByte();
        int timeDimension = reader.ReadInt32();
        long[] shape = ReadLongs(ref reader);
        long[] start = ReadLongs(ref reader);
        long[] count = ReadLongs(ref reader);
        int names = reader.ReadCount(4, "dimension names");
        string[] dimensionNames = new string[names];
        for (int i = 0; i < names; i++)
        {
            dimensionNames[i] = reader.ReadString();
        }

        try
        {
            return new ArrayDeclaration(name, (ElementType)type, shape, timeDimension, start, count, dimensionNames);
        }
        catch (ArgumentException e)
        {
            throw reader.Fail($"invalid array declaration: {e.Message}");
        }
    }

    private static void WriteLongs(IReadOnlyList<long> values, PooledBufferWriter writer)
    {
        writer.WriteInt32(values.Count);
        foreach (long value in values)
        {
            writer.WriteInt64(value);
        }
    }

    private static int ReadSteeringStep(ref SpanReader reader, string name)
    {
        int step = reader.ReadInt32();
        return step >= 0 ? step : throw reader.Fail($"the steering value '{name}' is for step {step}.");
    }

    private static long[] ReadLongs(ref SpanReader reader)
    {
        int count = reader.ReadCount(8, "integers");
        long[] values = new long[count];
        reader.ReadRaw<long>(values);
        return values;
    }

    private static void ReadLongs(ref SpanReader reader, List<long> values)
    {
        int count = reader.ReadCount(8, "integers");
        for (int i = 0; i < count; i++)
        {
            values.Add(reader.ReadInt64());
        }
    }

    private static void WriteEndpoint(EndpointId endpoint, PooledBufferWriter writer)
    {
        writer.WriteInt32(endpoint.Rank);
        writer.WriteByte((byte)endpoint.Kind);
    }

    private static EndpointId ReadEndpoint(ref SpanReader reader)
    {
        int rank = reader.ReadInt32();
        byte kind = reader.ReadByte();
        if (kind > (byte)EndpointKind.Producer || rank < 0)
        {
            throw reader.Fail($"invalid endpoint (rank {rank}, kind {kind}).");
        }

        return new EndpointId(rank, (EndpointKind)kind);
    }

    private static void WriteError(ErrorInfo? error, PooledBufferWriter writer)
    {
        if (error is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteByte(1);
        writer.WriteString(error.TypeName);
        writer.WriteString(error.Message);
        writer.WriteString(error.StackTrace ?? string.Empty);
    }

    private static ErrorInfo? ReadError(ref SpanReader reader)
    {
        byte present = reader.ReadByte();
        if (present == 0)
        {
            return null;
        }

        if (present != 1)
        {
            throw reader.Fail($"invalid error marker {present}.");
        }

        string type = reader.ReadString();
        string message = reader.ReadString();
        string stack = reader.ReadString();
        return new ErrorInfo(type, message, stack.Length == 0 ? null : stack);
    }

    private static void WriteSpec(TaskSpec spec, PooledBufferWriter writer)
    {
        if (spec.Operation.IsLocal)
        {
            throw new NotSupportedException(
                $"The task {spec} runs a local delegate, which cannot cross processes; register the operation by name in an OperationRegistry.");
        }

        writer.WriteShortString(spec.Operation.Name);
        writer.WriteInt32(spec.Args.Length);
        foreach (TaskArg arg in spec.Args)
        {
            WriteArg(arg, writer);
        }
    }

    private TaskSpec ReadSpec(ref SpanReader reader)
    {
        ReadOnlySpan<byte> nameUtf8 = reader.ReadShortStringUtf8();
        Span<char> name = stackalloc char[256];
        int length;
        try
        {
            length = s_strictUtf8.GetChars(nameUtf8, name);
        }
        catch (DecoderFallbackException)
        {
            throw reader.Fail("an operation name is not valid UTF-8.");
        }

        if (!_operations.TryGet(name[..length], out Operation? operation))
        {
            throw reader.Fail($"operation '{name[..length].ToString()}' is not registered on this rank; register the same operations on every rank.");
        }

        int count = reader.ReadCount(1, "arguments");
        TaskArg[] args = DecodedArray.Start<TaskArg>(count);
        for (int i = 0; i < count; i++)
        {
            DecodedArray.Reserve(ref args, i, count);
            args[i] = ReadArg(ref reader, 0);
        }

        try
        {
            return TaskSpec.FromDecoded(operation, args);
        }
        catch (ArgumentException e)
        {
            throw reader.Fail(e.Message);
        }
    }

    private static void WriteArg(TaskArg arg, PooledBufferWriter writer)
    {
        writer.WriteByte((byte)arg.Kind);
        switch (arg.Kind)
        {
            case ArgKind.Null:
                break;
            case ArgKind.Bool:
                writer.WriteByte(arg.Bool ? (byte)1 : (byte)0);
                break;
            case ArgKind.Int64:
                writer.WriteInt64(arg.Int64);
                break;
            case ArgKind.Double:
                writer.WriteDouble(arg.Double);
                break;
            case ArgKind.String:
                writer.WriteString(arg.String);
                break;
            case ArgKind.Key:
                WriteKey(arg.Key, writer);
                break;
            case ArgKind.List:
                writer.WriteInt32(arg.Items.Length);
                foreach (TaskArg item in arg.Items)
                {
                    WriteArg(item, writer);
                }

                break;
            case ArgKind.Int64Array:
                writer.WriteInt32(arg.Int64Array.Length);
                writer.WriteRaw(arg.Int64Array);
                break;
            case ArgKind.Slice:
                writer.WriteInt64(arg.Slice.Start);
                writer.WriteInt64(arg.Slice.Stop);
                writer.WriteInt64(arg.Slice.Step);
                break;
            default:
                throw new NotSupportedException(
                    $"A local argument ({arg}) cannot cross processes; pass numbers, strings, arrays of longs, slices or keys.");
        }
    }

    private static TaskArg ReadArg(ref SpanReader reader, int depth)
    {
        if (depth > MaxArgDepth)
        {
            throw reader.Fail($"arguments nest deeper than {MaxArgDepth} lists.");
        }

        byte kind = reader.ReadByte();
        switch ((ArgKind)kind)
        {
            case ArgKind.Null:
                return TaskArg.Null;
            case ArgKind.Bool:
                return TaskArg.FromBool(reader.ReadByte() != 0);
            case ArgKind.Int64:
                return TaskArg.FromInt64(reader.ReadInt64());
            case ArgKind.Double:
                return TaskArg.FromDouble(reader.ReadDouble());
            case ArgKind.String:
                return TaskArg.FromString(reader.ReadString());
            case ArgKind.Key:
                return TaskArg.FromKey(ReadKey(ref reader));
            case ArgKind.List:
            {
                int count = reader.ReadCount(1, "list items");
                TaskArg[] items = DecodedArray.Start<TaskArg>(count);
                for (int i = 0; i < count; i++)
                {
                    DecodedArray.Reserve(ref items, i, count);
                    items[i] = ReadArg(ref reader, depth + 1);
                }

                return TaskArg.FromList(items);
            }

            case ArgKind.Int64Array:
            {
                int count = reader.ReadCount(8, "integers");
                var values = new long[count];
                reader.ReadRaw<long>(values);
                return TaskArg.FromInt64Array(values);
            }

            case ArgKind.Slice:
            {
                long start = reader.ReadInt64();
                long stop = reader.ReadInt64();
                long step = reader.ReadInt64();
                if (step == 0)
                {
                    throw reader.Fail("a slice has step 0.");
                }

                return TaskArg.FromSlice(new SliceArg(start, stop, step));
            }

            default:
                throw reader.Fail($"unknown argument kind {kind}.");
        }
    }
}
