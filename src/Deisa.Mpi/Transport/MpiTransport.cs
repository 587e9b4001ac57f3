using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Errors;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi.Native;

namespace Deisa.Mpi.Transport;

/// <summary>
/// Carries messages between ranks over MPI point-to-point, with one communication thread per rank that makes its
/// MPI calls, except a block's sends, which the thread that ships the block posts.
/// </summary>
/// <remarks>
/// <para>Endpoints on this rank exchange messages by reference, never encoded. For another rank, messages are
/// queued; the communication thread groups them by destination, encodes each group as one frame in a pooled
/// pinned buffer and posts a non-blocking send whose tag names the destination's role. Incoming frames are found
/// with matched probes, received into pooled buffers and decoded into the mailboxes.</para>
/// <para>A <see cref="PutExternal"/> whose value is an <see cref="OutgoingBlock"/> travels as a header in its frame
/// followed by a payload message sent straight from the producer's memory (a derived datatype picks the
/// ghost-free interior); the receiver checks the payload's size against the header, receives it straight into a
/// pooled array, and only then delivers the put. The thread that ships the block posts both sends itself, under
/// the send lock, after whatever was queued before it (<see cref="MpiTransportOptions.PostBlocksFromPublisher"/>),
/// so the data moves without waiting for the communication thread to wake; that thread, and the producer waiting
/// for its memory, complete the sends.</para>
/// <para>The thread never burns a core when idle: after a few polls that found nothing it sleeps, at most
/// <see cref="MpiTransportOptions.MaxIdleWait"/> between polls, on a <see cref="Doorbell"/> that a send from this rank
/// rings, and so does a rank of the same node that just sent it a frame: a message between ranks of a node does not
/// wait for the next poll at either end.</para>
/// <para>Shutdown is collective: each rank counts the messages it sent to every other rank, the ranks exchange the
/// counts once all of them stopped sending, and each receives what is still on its way to it before MPI
/// finalizes, so that no message is left unmatched (a notice that crossed a rank's end, such as a contract
/// revocation reaching a simulation rank that just finished).</para>
/// </remarks>
internal sealed class MpiTransport : ITransport
{
    private const int PayloadTag = 16;
    private const int MaxProbesPerPoll = 64;

    private readonly int _comm;
    private readonly int _rank;
    private readonly HashSet<EndpointId> _known;
    private readonly MessageCodec _codec;
    private readonly MpiTransportOptions _options;
    private readonly Action<Exception> _onFault;
    private readonly ConcurrentDictionary<EndpointId, MpiMailbox> _local = new();
    private readonly ConcurrentQueue<(EndpointId From, EndpointId To, Message Message)> _outgoing = new();
    private readonly Doorbell _doorbell;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Held while posting sends, by the communication thread or by a thread that ships a block: what it guards is
    // the order of the sends (a block's payload right after its header, after what was queued before it) and the
    // state they share.
    private readonly Lock _sendLock = new();
    private readonly Dictionary<(EndpointId To, EndpointKind From), List<Message>> _batches = [];
    private readonly Stack<PooledBufferWriter> _writers = new();
    private readonly List<Message> _direct = [];
    // The values of the frame being sent that follow it as payloads; used under the send lock.
    private readonly List<(IRefCountedValue Value, ElementType Type, int Count)> _deferred = [];
    // Sends posted by other threads, for the communication thread to complete. Sized for far more sends in flight
    // than a rank has, so that a backlog (the thread descheduled for a while) does not grow it: shipping a block
    // allocates nothing.
    private readonly List<PendingSend> _posted = new(1024);
    private volatile int _postedCount;
    private bool _sendsClosed;

    // Owned by the communication thread.
    private readonly List<PendingSend> _sends = [];
    private readonly Dictionary<int, Queue<AwaitedPayload>> _awaitingPayload = [];
    private readonly List<Message> _decoded = [];
    private readonly Dictionary<(ElementType Type, int Rows, int Columns, int Stride), int> _datatypes = [];
    private readonly List<(EndpointId To, EndpointKind From)> _batchOrder = [];
    private readonly long[] _framesReceivedBy = new long[4];
    private readonly long[] _sentTo;
    private readonly long[] _receivedFrom;
    private readonly long[] _bytesReceivedBy = new long[4];
    private volatile bool _stopping;

    // Set by the communication thread while it sleeps on the doorbell: a thread that queues a message rings only then.
    private int _sleeping;
    private long _framesSent;
    private long _allocatedBytes;
    private long _framesReceived;
    private long _bytesSent;
    private long _payloadBytesSent;

    public MpiTransport(int comm, int rank, IEnumerable<EndpointId> endpoints, MessageCodec codec, MpiTransportOptions? options, Doorbell doorbell, Action<Exception> onFault)
    {
        _doorbell = doorbell;
        _comm = comm;
        _rank = rank;
        _known = [.. endpoints];
        _codec = codec;
        _options = options ?? new MpiTransportOptions();
        PayloadThresholdBytes = _options.PayloadThresholdBytes;
        _onFault = onFault;
        int size = MpiApi.CommSize(comm);
        _sentTo = GC.AllocateArray<long>(size, pinned: true);
        _receivedFrom = new long[size];

        // Every mailbox of this rank exists from the start, so messages that arrive before their endpoint's loop
        // starts wait in it instead of finding no one.
        foreach (EndpointId endpoint in _known)
        {
            if (endpoint.Rank == rank)
            {
                _local.TryAdd(endpoint, new MpiMailbox(this, endpoint));
            }
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"deisa-mpi-{rank}" };
        _thread.Start();
    }

    public string Name => "mpi";

    /// <summary>
    /// Gets or sets the size from which a data reply's value follows its frame as a payload
    /// (<see cref="MpiTransportOptions.PayloadThresholdBytes"/>); settable for benchmarks that compare both roads in one run.
    /// </summary>
    internal long PayloadThresholdBytes { get; set; }

    public bool CrossesProcesses => true;

    /// <summary>Gets the bytes the communication thread had allocated at the end of its last round of sends and receives.</summary>
    /// <remarks>For the tests and benchmarks that hold the steady state to no allocation per block.</remarks>
    public long CommunicationAllocatedBytes => Volatile.Read(ref _allocatedBytes);

    /// <summary>Gets how many frames this rank sent to other ranks.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Gets how many frames this rank received from other ranks.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Gets the bytes of frames sent (payloads excluded).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Gets the bytes of block payloads sent without copy.</summary>
    public long PayloadBytesSent => Interlocked.Read(ref _payloadBytesSent);

    /// <summary>Gets how many messages reached this rank after it stopped sending, at shutdown (received, then let go).</summary>
    public long ReceivedAtShutdown { get; private set; }

    /// <summary>Gets how many messages other ranks sent this one that it never received before shutdown ended (0 unless one was lost).</summary>
    public long UnreceivedAtShutdown { get; private set; }

    /// <summary>Gets how many frames from other ranks reached this rank's endpoints of a role.</summary>
    /// <param name="kind">The receiving role.</param>
    /// <returns>The count.</returns>
    public long FramesReceivedBy(EndpointKind kind) => Interlocked.Read(ref _framesReceivedBy[(int)kind]);

    /// <summary>Gets the bytes of frames from other ranks that reached this rank's endpoints of a role.</summary>
    /// <param name="kind">The receiving role.</param>
    /// <returns>The bytes.</returns>
    public long BytesReceivedBy(EndpointKind kind) => Interlocked.Read(ref _bytesReceivedBy[(int)kind]);

    public Mailbox Open(EndpointId endpoint)
    {
        if (endpoint.Rank != _rank)
        {
            throw new ArgumentException($"The endpoint {endpoint} lives on rank {endpoint.Rank}; this is rank {_rank}.", nameof(endpoint));
        }

        if (!_local.TryGetValue(endpoint, out MpiMailbox? mailbox))
        {
            throw new ArgumentException($"The endpoint {endpoint} is not part of this job's layout.", nameof(endpoint));
        }

        if (!mailbox.TryOpen())
        {
            throw new ArgumentException($"The endpoint {endpoint} is already open.", nameof(endpoint));
        }

        return mailbox;
    }

    /// <summary>
    /// Stops the thread after sending what is queued, waiting (bounded) for sends in flight and receiving what other
    /// ranks still sent this one; then closes the mailboxes. Collective: returns once every rank stopped sending.
    /// </summary>
    /// <remarks>
    /// A simulation rank that finishes first waits here, sleeping between polls, until the analytics end too (as it
    /// waited in MPI_Finalize before). The analytics root's <see cref="DeisaMpiOptions.FinishTimeout"/> and the
    /// launcher end a job in which a rank never stops.
    /// </remarks>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _doorbell.RingSelf();
        await _stopped.Task.ConfigureAwait(false);
        foreach (MpiMailbox mailbox in _local.Values)
        {
            mailbox.Complete();
        }
    }

    private void Send(EndpointId from, EndpointId to, Message message)
    {
        message.From = from;
        if (to.Rank == _rank)
        {
            if (!_local.TryGetValue(to, out MpiMailbox? target))
            {
                message.Return();
                throw new ArgumentException($"No endpoint {to} is open on this rank (sending a {message.Kind} from {from}).", nameof(to));
            }

            if (message is PutExternal { Value: ILentValue lent } put)
            {
                // Only a rank that both publishes and works would get here.
                put.Value = lent.CopyOut();
            }

            if (!target.TryDeliver(message))
            {
                message.Return();
            }

            return;
        }

        if (!_known.Contains(to))
        {
            message.Return();
            throw new ArgumentException($"No endpoint {to} exists in this job (sending a {message.Kind} from {from}).", nameof(to));
        }

        if (_stopping)
        {
            Refuse(message, $"Rank {_rank} is shutting down: the block for {to} was not sent.");
            return;
        }

        if (_options.PostBlocksFromPublisher && message is PutExternal { Value: OutgoingBlock })
        {
            PostBlock(from, to, message);
            return;
        }

        _outgoing.Enqueue((from, to, message));
        WakeThread();
    }

    /// <summary>Rings the communication thread's doorbell if it sleeps (the check after the queueing: see <see cref="Idle"/>).</summary>
    private void WakeThread()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _doorbell.RingSelf();
        }
    }

    /// <summary>Drops a message that will not be sent; a block in it fails, so that its producer learns why.</summary>
    private static void Refuse(Message message, string why)
    {
        if (message is PutExternal { Value: OutgoingBlock block } put)
        {
            put.Value = null;
            block.Complete(new DeisaException(why));
        }

        message.Return();
    }

    /// <summary>
    /// Posts a block's header and payload from the publishing thread, without waiting for the communication thread
    /// to wake (50 to 200 µs on shared cores): the data moves at once, and the thread only completes the sends.
    /// </summary>
    private void PostBlock(EndpointId from, EndpointId to, Message message)
    {
        lock (_sendLock)
        {
            if (_sendsClosed)
            {
                // Shutdown already counted the messages sent: one more would arrive at no one.
                Refuse(message, $"Rank {_rank} shut down before a block for {to} could be sent.");
                return;
            }

            // What was queued for the communication thread goes first, as it would have without this path.
            SendQueuedLocked(onThread: false);
            _direct.Add(message);
            try
            {
                SendFrame(to, from.Kind, _direct, onThread: false);
            }
            catch (Exception error)
            {
                // As on the communication thread: a send MPI refuses ends the job, rather than leave its receiver waiting.
                _onFault(error);
                throw;
            }
            finally
            {
                _direct.Clear();
            }
        }

        if (_postedCount > 0)
        {
            WakeThread();
        }
    }

    private void Run()
    {
        try
        {
            Native.Sleep.UsePreciseTimers();
            long lastActivity = Stopwatch.GetTimestamp();
            long lastReceive = long.MinValue / 2;
            long lastSend = long.MinValue / 2;
            while (true)
            {
                bool sent = SendQueued();
                bool completed = TestSends();
                bool received = Poll();
                Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                if (_stopping && _outgoing.IsEmpty)
                {
                    Drain();
                    return;
                }

                if (sent || completed || received)
                {
                    lastActivity = Stopwatch.GetTimestamp();
                    if (received)
                    {
                        lastReceive = lastActivity;
                    }

                    if (sent)
                    {
                        lastSend = lastActivity;
                    }

                    continue;
                }

                Idle(lastActivity, lastReceive, lastSend);
            }
        }
        catch (Exception error)
        {
            _onFault(error);
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>
    /// Waits before the next poll, as briefly as the traffic needs: spin right after activity; poll every few tens of
    /// microseconds while sends are in flight (they progress only when polled), while messages have been arriving, or
    /// shortly after a send; otherwise sleep up to <see cref="MpiTransportOptions.MaxIdleWait"/>. Either sleep ends at
    /// once when the doorbell rings: this rank's threads queued a message, or a rank of the node sent it one. A rank
    /// that mostly sends (a simulation rank) so sleeps between its steps and wakes at once for the next.
    /// </summary>
    private void Idle(long lastActivity, long lastReceive, long lastSend)
    {
        if (Stopwatch.GetElapsedTime(lastActivity) < _options.BusyWindow)
        {
            Thread.SpinWait(20);
            return;
        }

        TimeSpan wait = _sends.Count > 0 || _postedCount > 0 || Stopwatch.GetElapsedTime(lastReceive) < _options.WarmWindow ||
            Stopwatch.GetElapsedTime(lastSend) < _options.WarmWindowAfterSend
            ? _options.WarmPollInterval
            : _options.MaxIdleWait;

        // Say the thread sleeps, then look once more: a message queued before the flag was seen is sent now, one
        // queued after it rings the doorbell (both sides fence between their write and their read).
        Interlocked.Exchange(ref _sleeping, 1);
        if (_outgoing.IsEmpty && !_stopping)
        {
            _doorbell.Wait(wait);
        }

        Volatile.Write(ref _sleeping, 0);
    }

    /// <summary>Sends what is queued, waiting at most the shutdown timeout for sends in flight, still receiving meanwhile.</summary>
    private void Drain()
    {
        var clock = Stopwatch.StartNew();
        lock (_sendLock)
        {
            // From here on a block shipped by another thread fails at once: the counts below must be final.
            _sendsClosed = true;
            SendQueuedLocked(onThread: true);

            // No thread posts any more: what they posted is this thread's to finish.
            _sends.AddRange(_posted);
            _posted.Clear();
            _postedCount = 0;
        }

        TestSends();
        while (_sends.Count > 0 && clock.Elapsed < _options.ShutdownTimeout)
        {
            if (!TestSends() && !Poll())
            {
                Thread.Sleep(1);
            }
        }

        Quiesce();
        foreach (PendingSend send in _sends)
        {
            send.Block?.Fail(send.Version, new DeisaException($"Rank {_rank} shut down before a block send completed."));
        }

        if (_sends.Count == 0)
        {
            foreach (int cached in _datatypes.Values)
            {
                int type = cached;
                MpiApi.TypeFree(ref type);
            }

            _datatypes.Clear();

            // No send holds a frame buffer any more: give them back to the pool.
            while (_writers.TryPop(out PooledBufferWriter? writer))
            {
                writer.Dispose();
            }
        }
    }

    /// <summary>
    /// Once this rank sends nothing more: exchanges with every rank how many messages each sent the other, then
    /// receives those still on their way here (delivered to mailboxes that are closing, which let them go).
    /// </summary>
    private unsafe void Quiesce()
    {
        long before = _receivedFrom.Sum();
        long[] expected = GC.AllocateArray<long>(_sentTo.Length, pinned: true);
        fixed (long* sent = _sentTo, counts = expected)
        {
            int request = MpiApi.IalltoallCounts(sent, counts, _comm);

            // Other ranks may still be working (the analytics outlast the simulation): wait for them gently.
            while (!MpiApi.Test(ref request))
            {
                if (!TestSends() && !Poll())
                {
                    Thread.Sleep(1);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        while (Behind(expected) >= 0 && clock.Elapsed < _options.ShutdownTimeout)
        {
            if (!TestSends() && !Poll())
            {
                Thread.Sleep(1);
            }
        }

        ReceivedAtShutdown = _receivedFrom.Sum() - before;
        UnreceivedAtShutdown = expected.Sum() - _receivedFrom.Sum();
        if (Behind(expected) is int source and >= 0)
        {
            Console.Error.WriteLine(
                $"deisa: world rank {_rank}: {expected[source] - _receivedFrom[source]} message(s) rank {source} sent never arrived within {_options.ShutdownTimeout.TotalSeconds:0.#} s of shutdown.");
        }
    }

    /// <summary>Gets a rank some of whose messages to this one have not been received, or -1.</summary>
    private int Behind(long[] expected)
    {
        for (int source = 0; source < expected.Length; source++)
        {
            if (_receivedFrom[source] < expected[source])
            {
                return source;
            }
        }

        return -1;
    }

    private bool SendQueued()
    {
        if (_outgoing.IsEmpty)
        {
            return false;
        }

        lock (_sendLock)
        {
            return SendQueuedLocked(onThread: true);
        }
    }

    private bool SendQueuedLocked(bool onThread)
    {
        if (_outgoing.IsEmpty)
        {
            return false;
        }

        // Group by destination and sender role, keeping each pair's order: one frame per group.
        List<(EndpointId To, EndpointKind From)> order = _batchOrder;
        order.Clear();
        while (_outgoing.TryDequeue(out (EndpointId From, EndpointId To, Message Message) item))
        {
            (EndpointId To, EndpointKind Kind) key = (item.To, item.From.Kind);
            if (!_batches.TryGetValue(key, out List<Message>? batch))
            {
                batch = [];
                _batches.Add(key, batch);
            }

            if (batch.Count == 0)
            {
                order.Add(key);
            }

            batch.Add(item.Message);
        }

        foreach ((EndpointId to, EndpointKind from) in order)
        {
            List<Message> batch = _batches[(to, from)];
            SendFrame(to, from, batch, onThread);
            batch.Clear();
        }

        return true;
    }

    /// <summary>
    /// Encodes and posts one frame and the payloads of its blocks; the caller holds the send lock. The communication
    /// thread keeps the sends it posts (<paramref name="onThread"/>); another thread hands its sends over to it.
    /// </summary>
    private unsafe void SendFrame(EndpointId to, EndpointKind from, List<Message> batch, bool onThread)
    {
        PooledBufferWriter writer = _writers.Count > 0 ? _writers.Pop() : new PooledBufferWriter(4096);
        writer.Clear();
        try
        {
            DeferLargeValues(batch);
            writer.WriteByte((byte)from);
            _codec.EncodeFrame(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch), writer);
            fixed (byte* buffer = writer.Buffer)
            {
                // The buffer is pinned for its whole life (pinned object heap), so MPI may keep the pointer.
                int request = MpiApi.Isend(buffer, writer.WrittenCount, MpiApi.Byte, to.Rank, TagFor(to.Kind), _comm);
                Track(new PendingSend(request, writer, null, 0), onThread);
                _sentTo[to.Rank]++;
            }

            Interlocked.Increment(ref _framesSent);
            Interlocked.Add(ref _bytesSent, writer.WrittenCount);
            foreach (Message message in batch)
            {
                if (message is PutExternal { Value: OutgoingBlock block } put)
                {
                    // Read before posting: once tracked, the block may complete and serve another rental.
                    long version = block.Version;
                    int request = block.IsContiguous
                        ? MpiApi.Isend(block.Pointer, block.Count, BasicType(block.ElementType), to.Rank, PayloadTag, _comm)
                        : MpiApi.Isend(block.Pointer, 1, VectorType(block), to.Rank, PayloadTag, _comm);
                    block.Posted(request);
                    put.Value = null;
                    Track(new PendingSend(0, null, block, version), onThread);
                    _sentTo[to.Rank]++;
                    Interlocked.Add(ref _payloadBytesSent, block.Bytes);
                }
            }

            // Values a worker sends from its store follow their frame as payloads, in the order the frame names them.
            for (int i = 0; i < _deferred.Count; i++)
            {
                (IRefCountedValue value, ElementType type, int count) = _deferred[i];
                fixed (byte* data = Bytes(value))
                {
                    int request = MpiApi.Isend(data, count, BasicType(type), to.Rank, PayloadTag, _comm);
                    _deferred[i] = default;
                    Track(new PendingSend(request, null, null, 0, value), onThread);
                }

                _sentTo[to.Rank]++;
                Interlocked.Add(ref _payloadBytesSent, Bytes(value).Length);
            }

            // A rank of this node wakes for the frame now rather than at its next poll.
            _doorbell.Ring(to.Rank);
        }
        catch (Exception error)
        {
            // The blocks not posted yet are this frame's alone to fail; a posted one completes or fails with its send.
            foreach (Message message in batch)
            {
                if (message is PutExternal { Value: OutgoingBlock block })
                {
                    block.Complete(error);
                }
            }

            _writers.Push(writer);
            foreach ((IRefCountedValue value, _, _) in _deferred)
            {
                value?.Release();
            }

            throw new DeisaException($"Rank {_rank} could not send {batch.Count} message(s) to {to}: {error.Message}", error);
        }
        finally
        {
            _deferred.Clear();
            foreach (Message message in batch)
            {
                if (message is PutExternal { Value: OutgoingBlock } put)
                {
                    // The block belongs to the pending send now; the message must not touch it. Any other value was
                    // encoded into the frame, and returning the message releases it to its pool.
                    put.Value = null;
                }

                message.Return();
            }
        }
    }

    /// <summary>
    /// Takes the large pooled values out of the batch's data replies (worker to worker or client), leaving a payload
    /// descriptor in their place: they are sent from their own memory after the frame, instead of being copied into it
    /// and out of it again. Each keeps the reference its message held until its send completes.
    /// </summary>
    private void DeferLargeValues(List<Message> batch)
    {
        foreach (Message message in batch)
        {
            if (message is not DataReply reply)
            {
                continue;
            }

            for (int i = 0; i < reply.Values.Count; i++)
            {
                if (reply.Values[i] is IRefCountedValue value and ISizedValue { SizeInBytes: var size } && size >= PayloadThresholdBytes
                    && ElementTypeOf(value) is { } type)
                {
                    int count = (int)(size / ElementTypes.SizeOf(type));
                    _deferred.Add((value, type, count));
                    reply.Values[i] = DeferredPayload.Describe(type, count);
                }
            }
        }
    }

    private static ElementType? ElementTypeOf(object value) => value switch
    {
        PooledArray<double> => ElementType.Float64,
        PooledArray<float> => ElementType.Float32,
        PooledArray<int> => ElementType.Int32,
        PooledArray<long> => ElementType.Int64,
        _ => null,
    };

    private static Span<byte> Bytes(object value) => value switch
    {
        PooledArray<float> a => a.Bytes,
        PooledArray<int> a => a.Bytes,
        PooledArray<long> a => a.Bytes,
        _ => ((PooledArray<double>)value).Bytes,
    };

    /// <summary>
    /// Keeps a posted send until it completes. Another thread tests it once first (an eager send is usually done by
    /// then, and its block is let go without a hop to the communication thread), then hands it over, testing on the
    /// way the sends posted before it that are still waiting.
    /// </summary>
    private void Track(PendingSend send, bool onThread)
    {
        if (onThread)
        {
            _sends.Add(send);
            return;
        }

        if (IsDone(send))
        {
            Completed(send);
            return;
        }

        // The caller holds the send lock. A publisher that does not wait for its sends (blocks sent from copies) posts
        // faster than a sleeping communication thread collects them: completed here, their buffers go back to the pool
        // while it still holds them, instead of the pool running dry and allocating more.
        CompletePosted();
        _posted.Add(send);
        _postedCount = _posted.Count;
    }

    /// <summary>Completes the sends other threads posted that are done; the caller holds the send lock.</summary>
    /// <returns>Whether any was.</returns>
    private bool CompletePosted()
    {
        bool any = false;
        for (int i = _posted.Count - 1; i >= 0; i--)
        {
            if (IsDone(_posted[i]))
            {
                PendingSend done = _posted[i];
                _posted[i] = _posted[^1];
                _posted.RemoveAt(_posted.Count - 1);
                Completed(done);
                any = true;
            }
        }

        return any;
    }

    /// <summary>Tests a send once: a frame's request, or a block's through the block (its producer may test it too).</summary>
    private static bool IsDone(PendingSend send)
    {
        if (send.Block is { } block)
        {
            return block.TryComplete(send.Version);
        }

        int request = send.Request;
        return MpiApi.Test(ref request);
    }

    /// <summary>Gives a completed frame's buffer back (a block completed itself as it was tested).</summary>
    private void Completed(PendingSend done)
    {
        done.Held?.Release();
        if (done.Writer is not null)
        {
            lock (_sendLock)
            {
                _writers.Push(done.Writer);
            }
        }
    }

    private bool TestSends()
    {
        bool progressed = false;
        if (_postedCount > 0)
        {
            // Tested where they are, under the lock, rather than moved to this thread's list: the threads that post
            // test them too (Track), and a send completed in a list only this thread reads would hold its buffer
            // while this thread sleeps or waits for a core.
            lock (_sendLock)
            {
                progressed = CompletePosted();
                _postedCount = _posted.Count;
            }
        }

        for (int i = _sends.Count - 1; i >= 0; i--)
        {
            if (!IsDone(_sends[i]))
            {
                continue;
            }

            PendingSend done = _sends[i];
            _sends.RemoveAt(i);
            Completed(done);
            progressed = true;
        }

        return progressed;
    }

    private bool Poll()
    {
        bool progressed = false;
        int empty = 0;
        for (int i = 0; i < MaxProbesPerPoll; i++)
        {
            if (!MpiApi.Improbe(MpiApi.AnySource, MpiApi.AnyTag, _comm, out int handle, out ProbeStatus status))
            {
                // A probe also drives MPI's progress engine, which may only then pull in a message that arrived
                // while the thread slept (UCX does): probe once more before concluding that nothing is there.
                if (++empty == 2)
                {
                    break;
                }

                continue;
            }

            progressed = true;
            if (status.Tag == PayloadTag)
            {
                ReceivePayload(handle, status);
            }
            else
            {
                ReceiveFrame(handle, status);
            }
        }

        return progressed;
    }

    private unsafe void ReceiveFrame(int handle, ProbeStatus status)
    {
        if (status.Tag < TagFor(EndpointKind.Scheduler) || status.Tag > TagFor(EndpointKind.Producer) || status.Bytes < 1)
        {
            throw new MessageDecodeException($"Rank {_rank} received a message with tag {status.Tag} and {status.Bytes} bytes from rank {status.Source} on Deisa's communicator; nothing else may use it.");
        }

        byte[] buffer = BufferPool.Shared.Rent(status.Bytes);
        try
        {
            fixed (byte* pointer = buffer)
            {
                MpiApi.Mrecv(pointer, status.Bytes, MpiApi.Byte, ref handle);
            }

            _receivedFrom[status.Source]++;
            Interlocked.Increment(ref _framesReceived);
            byte fromKind = buffer[0];
            if (fromKind > (byte)EndpointKind.Producer)
            {
                throw new MessageDecodeException($"Rank {_rank} received a frame from rank {status.Source} with an invalid sender role {fromKind}.");
            }

            var to = new EndpointId(_rank, (EndpointKind)(status.Tag - 1));
            Interlocked.Increment(ref _framesReceivedBy[(int)to.Kind]);
            Interlocked.Add(ref _bytesReceivedBy[(int)to.Kind], status.Bytes);
            _codec.DecodeFrame(buffer.AsSpan(1, status.Bytes - 1), new EndpointId(status.Source, (EndpointKind)fromKind), _decoded);
            foreach (Message message in _decoded)
            {
                if (AwaitPayloads(status.Source, to, message))
                {
                    continue;
                }

                if (_awaitingPayload.TryGetValue(status.Source, out Queue<AwaitedPayload>? waiting) && waiting.Count > 0)
                {
                    // Behind a message still waiting for its payloads: delivered after it, in the order sent.
                    waiting.Enqueue(new AwaitedPayload(message, -1, null, to, Last: true));
                }
                else
                {
                    Deliver(to, message);
                }
            }
        }
        finally
        {
            _decoded.Clear();
            BufferPool.Shared.Return(buffer);
        }
    }

    /// <summary>Queues a message whose values follow as payloads (a block's put, a data reply's large values); false if none do.</summary>
    private bool AwaitPayloads(int source, EndpointId to, Message message)
    {
        int last = -1;
        switch (message)
        {
            case PutExternal { Value: DeferredPayload payload } when payload.GetType() == typeof(DeferredPayload):
                Awaiting(source).Enqueue(new AwaitedPayload(message, -1, payload, to, Last: true));
                return true;
            case DataReply reply:
                for (int i = 0; i < reply.Values.Count; i++)
                {
                    if (reply.Values[i] is DeferredPayload)
                    {
                        last = i;
                    }
                }

                for (int i = 0; i <= last; i++)
                {
                    if (reply.Values[i] is DeferredPayload payload)
                    {
                        Awaiting(source).Enqueue(new AwaitedPayload(message, i, payload, to, Last: i == last));
                    }
                }

                return last >= 0;
            default:
                return false;
        }
    }

    private Queue<AwaitedPayload> Awaiting(int source)
    {
        if (!_awaitingPayload.TryGetValue(source, out Queue<AwaitedPayload>? queue))
        {
            queue = new Queue<AwaitedPayload>();
            _awaitingPayload.Add(source, queue);
        }

        return queue;
    }

    private unsafe void ReceivePayload(int handle, ProbeStatus status)
    {
        if (!_awaitingPayload.TryGetValue(status.Source, out Queue<AwaitedPayload>? queue) || queue.Count == 0)
        {
            throw new MessageDecodeException($"Rank {_rank} received a block payload of {status.Bytes} bytes from rank {status.Source} without its header.");
        }

        (Message message, int slot, DeferredPayload? awaited, EndpointId to, bool last) = queue.Dequeue();
        DeferredPayload payload = awaited!;
        if (payload.Bytes != status.Bytes)
        {
            string what = message is PutExternal p ? p.Key.ToString() : $"value {slot} of a {message.Kind}";
            message.Return();
            throw new MessageDecodeException(
                $"Rank {_rank} expected a payload of {payload.Bytes} bytes ({payload.ElementType}[{payload.Count}]) for {what} from rank {status.Source}, but {status.Bytes} arrived.");
        }

        object value = payload.ElementType switch
        {
            ElementType.Float32 => PooledArray<float>.Rent(payload.Count),
            ElementType.Int32 => PooledArray<int>.Rent(payload.Count),
            ElementType.Int64 => PooledArray<long>.Rent(payload.Count),
            _ => PooledArray<double>.Rent(payload.Count),
        };
        Span<byte> target = value switch
        {
            PooledArray<float> a => a.Bytes,
            PooledArray<int> a => a.Bytes,
            PooledArray<long> a => a.Bytes,
            _ => ((PooledArray<double>)value).Bytes,
        };
        fixed (byte* pointer = target)
        {
            MpiApi.Mrecv(pointer, payload.Count, BasicType(payload.ElementType), ref handle);
        }

        _receivedFrom[status.Source]++;
        if (message is PutExternal put)
        {
            put.Value = value;
        }
        else
        {
            ((DataReply)message).Values[slot] = value;
        }

        if (last)
        {
            Deliver(to, message);

            // What arrived behind it and needs no payload goes now; the queue's head is again a payload awaited.
            while (queue.TryPeek(out AwaitedPayload next) && next.Payload is null)
            {
                queue.Dequeue();
                Deliver(next.To, next.Message);
            }
        }
    }

    private void Deliver(EndpointId to, Message message)
    {
        if (!_local.TryGetValue(to, out MpiMailbox? mailbox))
        {
            message.Return();
            throw new DeisaException($"Rank {_rank} received a {message.Kind} for {to}, which is not open on this rank; the ranks disagree on the job's layout.");
        }

        if (!mailbox.TryDeliver(message))
        {
            message.Return();
        }
    }

    private static int TagFor(EndpointKind kind) => 1 + (int)kind;

    private static int BasicType(ElementType type) => type switch
    {
        ElementType.Float32 => MpiApi.Float,
        ElementType.Int32 => MpiApi.Int,
        ElementType.Int64 => MpiApi.Long,
        _ => MpiApi.Double,
    };

    /// <summary>Gets (creating and caching it on first use) the vector datatype of a strided block.</summary>
    private int VectorType(OutgoingBlock block)
    {
        (ElementType, int, int, int) key = (block.ElementType, block.Rows, block.Columns, block.Stride);
        if (!_datatypes.TryGetValue(key, out int type))
        {
            type = MpiApi.TypeVector(block.Rows, block.Columns, block.Stride, BasicType(block.ElementType));
            _datatypes.Add(key, type);
        }

        return type;
    }

    /// <summary>A send in flight: a frame (its buffer), a block (tested through the block), or a value sent from its own pooled memory (released once sent).</summary>
    private readonly record struct PendingSend(int Request, PooledBufferWriter? Writer, OutgoingBlock? Block, long Version, IRefCountedValue? Held = null);

    /// <summary>
    /// A payload this rank waits for: the message it belongs to, the value's slot in it (-1 for a put), and whether it
    /// is the message's last; or (no payload) a message from the same rank that arrived behind one still waiting.
    /// </summary>
    private readonly record struct AwaitedPayload(Message Message, int Slot, DeferredPayload? Payload, EndpointId To, bool Last);

    private sealed class MpiMailbox : ChannelMailbox
    {
        private readonly MpiTransport _transport;
        private int _opened;

        public MpiMailbox(MpiTransport transport, EndpointId id)
            : base(id)
        {
            _transport = transport;
        }

        /// <summary>Marks the mailbox handed out; false if it already was.</summary>
        public bool TryOpen() => Interlocked.Exchange(ref _opened, 1) == 0;

        public override void Send(EndpointId to, Message message)
        {
            ArgumentNullException.ThrowIfNull(message);
            _transport.Send(Id, to, message);
        }
    }
}
