using Deisa.Core.Buffers;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Testing;

/// <summary>A sender's side of a contract case: its own mailbox, where to send, and an endpoint no process hosts.</summary>
/// <param name="Self">The sender's mailbox.</param>
/// <param name="Receiver">The receiving endpoint.</param>
/// <param name="Unknown">An endpoint of no process of the job.</param>
internal sealed record ContractSender(Mailbox Self, EndpointId Receiver, EndpointId Unknown)
{
    /// <summary>Gets what the sender's half keeps from its send for its check after the receiver's.</summary>
    public List<object> Kept { get; } = [];
}

/// <summary>The receiver's side of a contract case.</summary>
/// <param name="Self">The receiver's mailbox.</param>
/// <param name="Senders">Every sender of the case, in sender order.</param>
/// <param name="OpenAgain">Opens the receiver's endpoint once more (which must be refused).</param>
internal sealed record ContractReceiver(Mailbox Self, IReadOnlyList<EndpointId> Senders, Func<Mailbox> OpenAgain);

/// <summary>
/// One rule every transport keeps, in halves that may run in different processes: the receiver prepares, then every
/// sender sends (at once), then the receiver checks, then the senders check what they kept. A half that finds the rule broken throws <see cref="ContractViolation"/>.
/// </summary>
/// <param name="Name">The case's name, as tests report it.</param>
/// <param name="ReceiverKind">The role of the receiving endpoint; a case that closes its endpoint has a role to itself.</param>
/// <param name="Send">A sender's half.</param>
/// <param name="Check">The receiver's half once the senders are done.</param>
/// <param name="Prepare">The receiver's half before anybody sends.</param>
/// <param name="After">A sender's check once the receiver's is done (the same <see cref="ContractSender"/> as its send).</param>
internal sealed record ContractCase(
    string Name,
    EndpointKind ReceiverKind,
    Action<ContractSender> Send,
    Action<ContractReceiver> Check,
    Action<ContractReceiver>? Prepare = null,
    Action<ContractSender>? After = null)
{
    public override string ToString() => Name;
}

/// <summary>A transport broke its contract.</summary>
/// <param name="message">Which rule, and what happened instead.</param>
internal sealed class ContractViolation(string message) : Exception(message);

/// <summary>
/// The transport contract, written once: the in-process transports run it in one process, the MPI transport across
/// ranks under mpiexec (the receiver on one rank, each sender on another).
/// </summary>
internal static class TransportContract
{
    /// <summary>How many messages each sender streams in the ordering cases.</summary>
    public const int PerSender = 1000;

    /// <summary>How many threads of each sender share its endpoint in the concurrent case.</summary>
    public const int Threads = 4;

    /// <summary>The longest any receive waits before the case fails rather than hangs.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Gets every case, in the order they run across ranks (a case that closes its endpoint comes after those that use it).</summary>
    public static IReadOnlyList<ContractCase> Cases { get; } =
    [
        new("one-by-one-in-order", EndpointKind.Worker, SendOneByOne, CheckStreams),
        new("batches-in-order", EndpointKind.Scheduler, SendBatches, CheckStreams),
        new("threads-of-one-sender-each-in-order", EndpointKind.Worker, SendFromThreads, CheckThreadStreams),
        new("pooled-value-intact-one-holder", EndpointKind.Worker, SendPooledValue, CheckPooledValues),
        new("data-reply-values-intact-in-order", EndpointKind.Worker, SendDataReplies, CheckDataReplies, After: CheckDataRepliesReleased),
        new("unknown-endpoint-refused-by-name", EndpointKind.Worker, SendToUnknown, _ => { }),
        new("open-twice-refused", EndpointKind.Worker, _ => { }, _ => { }, PrepareOpenAgain),
        new("closed-endpoint-drops-and-releases", EndpointKind.Client, SendToClosed, _ => { }, receiver => receiver.Self.Dispose()),
    ];

    /// <summary>Finds a case by name.</summary>
    /// <param name="name">The case's name.</param>
    /// <returns>The case.</returns>
    public static ContractCase Named(string name) => Cases.Single(c => c.Name == name);

    /// <summary>Starts a wait on <paramref name="open"/> that the transport's disposal must end, for <see cref="CheckDisposeEndsWait"/>.</summary>
    /// <param name="open">A mailbox nobody sends to any more.</param>
    /// <returns>The wait.</returns>
    public static System.Threading.Tasks.Task<bool> WaitForMore(Mailbox open) => open.Reader.WaitToReadAsync().AsTask();

    /// <summary>Checks that disposing the transport ended a reader's wait and closed its channel.</summary>
    /// <param name="open">The mailbox whose reader waited.</param>
    /// <param name="waiting">What <see cref="WaitForMore"/> returned before the disposal.</param>
    public static void CheckDisposeEndsWait(Mailbox open, System.Threading.Tasks.Task<bool> waiting)
    {
        if (!waiting.Wait(Timeout))
        {
            throw new ContractViolation("A reader waiting on its mailbox still waits after the transport was disposed.");
        }

        Expect(!waiting.Result, "A reader's wait ended with more to read after the transport was disposed.");
        Expect(!open.Reader.TryRead(out _), "A mailbox of a disposed transport still had a message to read.");
        Expect(open.Reader.Completion.IsCompleted, "A mailbox's reader is not completed after the transport was disposed.");
    }

    private static void SendOneByOne(ContractSender sender)
    {
        for (int i = 0; i < PerSender; i++)
        {
            sender.Self.Send(sender.Receiver, Finished(i));
        }
    }

    private static void SendBatches(ContractSender sender)
    {
        for (int i = 0; i < PerSender; i += 4)
        {
            sender.Self.Send(sender.Receiver, [Finished(i), Finished(i + 1), Finished(i + 2), Finished(i + 3)]);
        }
    }

    /// <summary>Every message of every sender arrives once, from that sender, in the order it was sent.</summary>
    private static void CheckStreams(ContractReceiver receiver)
    {
        var next = receiver.Senders.ToDictionary(s => s, _ => 0L);
        for (int i = 0; i < receiver.Senders.Count * PerSender; i++)
        {
            var finished = Read<TaskFinished>(receiver.Self);
            Expect(next.TryGetValue(finished.From, out long expected), $"A message came from {finished.From}, which is no sender of this case.");
            Expect(finished.Nbytes == expected && finished.Key == new Core.Graph.TaskKey("k", (int)expected), $"From {finished.From}, message {finished.Nbytes} ({finished.Key}) arrived where {expected} was next.");
            next[finished.From] = expected + 1;
            finished.Return();
        }

        ExpectNothingMore(receiver.Self);
    }

    private static void SendFromThreads(ContractSender sender)
    {
        Thread[] threads = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int i = 0; i < PerSender / Threads; i++)
            {
                sender.Self.Send(sender.Receiver, Finished((t * PerSender) + i));
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Expect(thread.Join(Timeout), "A sending thread did not finish in time.");
        }
    }

    /// <summary>Threads sharing one endpoint: each thread's messages arrive in its order.</summary>
    private static void CheckThreadStreams(ContractReceiver receiver)
    {
        var next = new Dictionary<(EndpointId, long), long>();
        for (int i = 0; i < receiver.Senders.Count * PerSender; i++)
        {
            var finished = Read<TaskFinished>(receiver.Self);
            Expect(receiver.Senders.Contains(finished.From), $"A message came from {finished.From}, which is no sender of this case.");
            (long thread, long index) = Math.DivRem(finished.Nbytes, PerSender);
            long expected = next.GetValueOrDefault((finished.From, thread));
            Expect(index == expected, $"From {finished.From} thread {thread}, message {index} arrived where {expected} was next.");
            next[(finished.From, thread)] = expected + 1;
            finished.Return();
        }

        ExpectNothingMore(receiver.Self);
    }

    private static void SendPooledValue(ContractSender sender)
    {
        PutExternal put = PutExternal.Rent();
        put.Key = new Core.Graph.TaskKey("pooled", sender.Self.Id.Rank);
        put.Value = PooledArray<double>.CopyFrom(Values(sender.Self.Id));
        sender.Self.Send(sender.Receiver, put);
    }

    /// <summary>A pooled value arrives with its values, held by the receiver alone: releasing it once frees it.</summary>
    private static void CheckPooledValues(ContractReceiver receiver)
    {
        for (int i = 0; i < receiver.Senders.Count; i++)
        {
            var put = Read<PutExternal>(receiver.Self);
            Expect(put.Value is PooledArray<double>, $"The value from {put.From} arrived as {put.Value?.GetType().Name ?? "null"}, not a pooled array.");
            var arrived = (PooledArray<double>)put.Value!;
            EndpointId from = put.From;
            put.Value = null;
            put.Return();
            Expect(arrived.Span.SequenceEqual(Values(from)), $"The values from {from} changed on the way.");
            arrived.Release();
            Expect(IsReleased(arrived), $"The value from {from} was still held after its receiver released it once.");
        }

        ExpectNothingMore(receiver.Self);
    }

    /// <summary>Gets the bytes of the large values each sender's data replies carry (a transport may send them apart from the frame).</summary>
    public static long LargeReplyBytes => Replies * ((LargeElements * sizeof(double)) + (LargeElements * sizeof(int)));

    private const int Replies = 3;
    private const int LargeElements = 40_000;

    /// <summary>Data replies mixing large and small values, between other messages: the values a worker sends from its store.</summary>
    private static void SendDataReplies(ContractSender sender)
    {
        int rank = sender.Self.Id.Rank;
        for (int r = 0; r < Replies; r++)
        {
            DataReply reply = DataReply.Rent();
            reply.RequestId = r + 1;
            var large = PooledArray<double>.Rent(LargeElements);
            for (int i = 0; i < LargeElements; i++)
            {
                large.Span[i] = (rank * 1e6) + (r * 1e5) + i;
            }

            var ints = PooledArray<int>.Rent(LargeElements);
            ints.Span.Fill((rank * 10) + r);
            sender.Kept.AddRange([large, ints]);
            reply.Keys.AddRange([new Core.Graph.TaskKey("large", r), new Core.Graph.TaskKey("small", r), new Core.Graph.TaskKey("ints", r), new Core.Graph.TaskKey("text", r)]);
            reply.Values.AddRange([large, PooledArray<double>.CopyFrom([r, rank]), ints, $"reply {r} of {rank}"]);
            reply.Missing.Add(new Core.Graph.TaskKey("missing", r));
            sender.Self.Send(sender.Receiver, reply);
            sender.Self.Send(sender.Receiver, Finished(r));
        }
    }

    /// <summary>
    /// The message held each value's only reference: once the receiver returned it (in one process) or once it was
    /// sent (across processes), every value is back in its pool.
    /// </summary>
    private static void CheckDataRepliesReleased(ContractSender sender) =>
        Expect(SpinWait.SpinUntil(() => sender.Kept.All(v => IsReleased(v)), Timeout), "A large value of a sent data reply was never released.");

    private static void CheckDataReplies(ContractReceiver receiver)
    {
        var next = receiver.Senders.ToDictionary(s => s, _ => 0);
        for (int m = 0; m < receiver.Senders.Count * Replies * 2; m++)
        {
            Message message = ReadAny(receiver.Self).Result;
            EndpointId from = message.From;
            Expect(next.TryGetValue(from, out int r), $"A message came from {from}, which is no sender of this case.");
            if (message is TaskFinished finished)
            {
                Expect(finished.Nbytes == r - 1, $"From {from}, the message after reply {r - 1} came as {finished.Nbytes}.");
                finished.Return();
                continue;
            }

            var reply = (DataReply)message;
            int rank = from.Rank;
            Expect(reply.RequestId == r + 1 && reply.Keys.Count == 4 && reply.Values.Count == 4 && reply.Missing.SequenceEqual([new Core.Graph.TaskKey("missing", r)]), $"From {from}, reply {r} arrived as request {reply.RequestId} with {reply.Keys.Count} keys, {reply.Values.Count} values.");
            Expect(reply.Values[0] is PooledArray<double> large && large.Length == LargeElements && Enumerable.Range(0, LargeElements).All(i => large.Span[i] == (rank * 1e6) + (r * 1e5) + i), $"From {from}, reply {r}'s large value changed on the way.");
            Expect(reply.Values[1] is PooledArray<double> small && small.Span.SequenceEqual([r, rank]), $"From {from}, reply {r}'s small value changed on the way.");
            Expect(reply.Values[2] is PooledArray<int> ints && ints.Length == LargeElements && !ints.Span.ContainsAnyExcept((rank * 10) + r), $"From {from}, reply {r}'s integers changed on the way.");
            Expect(reply.Values[3] is string text && text == $"reply {r} of {rank}", $"From {from}, reply {r}'s text changed on the way.");
            next[from] = r + 1;
            reply.Return();
        }

        ExpectNothingMore(receiver.Self);
    }

    private static void SendToUnknown(ContractSender sender)
    {
        try
        {
            sender.Self.Send(sender.Unknown, Finished(0));
        }
        catch (ArgumentException error)
        {
            Expect(error.Message.Contains(sender.Unknown.ToString(), StringComparison.Ordinal), $"Refused a send to {sender.Unknown} without naming it: {error.Message}");
            return;
        }

        throw new ContractViolation($"A send to {sender.Unknown}, which no process hosts, was accepted.");
    }

    private static void PrepareOpenAgain(ContractReceiver receiver)
    {
        try
        {
            receiver.OpenAgain().Dispose();
        }
        catch (ArgumentException)
        {
            return;
        }

        throw new ContractViolation($"{receiver.Self.Id}, already open, was opened a second time.");
    }

    /// <summary>A message for an endpoint closed in the meantime is dropped, and the sender's value goes back to its pool.</summary>
    private static void SendToClosed(ContractSender sender)
    {
        var value = PooledArray<double>.CopyFrom(Values(sender.Self.Id));
        PutExternal put = PutExternal.Rent();
        put.Key = new Core.Graph.TaskKey("closed", sender.Self.Id.Rank);
        put.Value = value;
        sender.Self.Send(sender.Receiver, put);

        // In one process the drop is immediate; across processes the value is let go once its send completed.
        Expect(SpinWait.SpinUntil(() => IsReleased(value), Timeout), "The value sent to a closed endpoint was never released.");
    }

    private static T Read<T>(Mailbox mailbox)
        where T : Message
    {
        Message message = ReadAny(mailbox).Result;
        return message as T ?? throw new ContractViolation($"{mailbox.Id} received a {message.Kind} where a {typeof(T).Name} was expected.");
    }

    private static System.Threading.Tasks.Task<Message> ReadAny(Mailbox mailbox)
    {
        System.Threading.Tasks.Task<Message> read = mailbox.Reader.ReadAsync().AsTask();
        return read.Wait(Timeout) ? read : throw new ContractViolation($"{mailbox.Id} waited {Timeout.TotalSeconds:0} s for a message that never came.");
    }

    private static void ExpectNothingMore(Mailbox mailbox)
    {
        if (mailbox.Reader.TryRead(out Message? extra))
        {
            string kind = extra.Kind.ToString();
            extra.Return();
            throw new ContractViolation($"{mailbox.Id} received a {kind} beyond what was sent.");
        }
    }

    private static bool IsReleased(object value)
    {
        try
        {
            _ = value switch
            {
                PooledArray<int> ints => ints.Span.Length,
                _ => ((PooledArray<double>)value).Span.Length,
            };
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static double[] Values(EndpointId sender) => [.. Enumerable.Range(0, 300).Select(i => (sender.Rank * 1000.0) + i + 0.5)];

    private static TaskFinished Finished(long n)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = ("k", (int)n);
        message.Nbytes = n;
        return message;
    }

    private static void Expect(bool holds, string violation)
    {
        if (!holds)
        {
            throw new ContractViolation(violation);
        }
    }
}
