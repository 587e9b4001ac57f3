using System.Collections.Concurrent;
using System.Threading.Tasks;
using Deisa.Core.Buffers;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;

namespace Deisa.Core.Transport;

/// <summary>Delivers messages between endpoints of one process through channels, passing references.</summary>
/// <remarks>
/// The embedded default, and the transport of the tests. With <see cref="InProcessTransportOptions.Serialize"/>
/// every message goes through <see cref="MessageCodec"/> as it would between processes. Thread-safe.
/// </remarks>
public sealed class InProcessTransport : ITransport
{
    private readonly ConcurrentDictionary<EndpointId, InProcessMailbox> _mailboxes = new();
    private readonly MessageCodec? _codec;
    private readonly bool _copyLentValues;
    private long _dropped;

    /// <summary>Creates a transport.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="operations">The operations encoded tasks are looked up in when serialising; <see cref="OperationRegistry.Default"/> when null.</param>
    /// <param name="values">The value codecs used when serialising; <see cref="ValueCodecRegistry.Default"/> when null.</param>
    public InProcessTransport(InProcessTransportOptions? options = null, OperationRegistry? operations = null, ValueCodecRegistry? values = null)
    {
        if (options?.Serialize == true)
        {
            _codec = new MessageCodec(operations ?? OperationRegistry.Default, values);
        }

        _copyLentValues = options?.DeliverLentValues != true;
    }

    /// <inheritdoc/>
    public string Name => _codec is null ? "inproc" : "inproc-serialized";

    /// <inheritdoc/>
    public bool CrossesProcesses => _codec is not null;

    /// <summary>Gets how many messages were dropped because their destination had closed.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <inheritdoc/>
    public Mailbox Open(EndpointId endpoint)
    {
        var mailbox = new InProcessMailbox(this, endpoint);
        if (!_mailboxes.TryAdd(endpoint, mailbox))
        {
            throw new ArgumentException($"The endpoint {endpoint} is already open.", nameof(endpoint));
        }

        return mailbox;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        foreach (InProcessMailbox mailbox in _mailboxes.Values)
        {
            mailbox.Complete();
        }

        return ValueTask.CompletedTask;
    }

    private void Deliver(EndpointId from, EndpointId to, Message message)
    {
        message.From = from;
        if (!_mailboxes.TryGetValue(to, out InProcessMailbox? target))
        {
            message.Return();
            throw new ArgumentException($"No endpoint {to} is open on this transport (sending a {message.Kind} from {from}).", nameof(to));
        }

        if (_copyLentValues && message is PutExternal { Value: ILentValue lent } put)
        {
            // The producer keeps its memory: the worker gets a copy, as it would get one received over MPI.
            put.Value = lent.CopyOut();
        }

        if (_codec is not null)
        {
            message = RoundTrip(message, from);
        }

        if (!target.TryDeliver(message))
        {
            Interlocked.Increment(ref _dropped);
            message.Return();
        }
    }

    private Message RoundTrip(Message message, EndpointId from)
    {
        using var writer = new PooledBufferWriter(256);
        try
        {
            _codec!.EncodeFrame([message], writer);
        }
        finally
        {
            message.Return();
        }

        var decoded = new List<Message>(1);
        _codec.DecodeFrame(writer.WrittenSpan, from, decoded);
        return decoded[0];
    }

    private sealed class InProcessMailbox : ChannelMailbox
    {
        private readonly InProcessTransport _transport;

        public InProcessMailbox(InProcessTransport transport, EndpointId id)
            : base(id)
        {
            _transport = transport;
        }

        public override void Send(EndpointId to, Message message)
        {
            ArgumentNullException.ThrowIfNull(message);
            _transport.Deliver(Id, to, message);
        }
    }
}
