using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi;
using Deisa.Mpi.Transport;

namespace Deisa.MpiTestApp;

/// <summary>
/// The transport contract, checked across real ranks: every simulation rank talks to the analytics root through
/// the MPI transport alone (no runtime), and each side checks what it receives.
/// </summary>
public static class TransportChecks
{
    private const int PerSender = 500;
    private const int Publishers = 4;
    private const int BlocksPerPublisher = 50;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public static int Run(DeisaSession session)
    {
        MpiTransport transport = session.Transport;
        JobLayout layout = session.Layout;
        MPI.Intracommunicator world = MPI.Communicator.world;
        bool ok = true;
        if (session.IsSimulation)
        {
            using Mailbox self = transport.Open(EndpointId.Producer(session.WorldRank));
            world.Barrier();
            ok &= SendStreams(self, layout);
            ok &= ReceiveReplies(self, layout);
            world.Barrier();
        }
        else if (session.WorldRank == layout.AnalyticsRoot)
        {
            using Mailbox scheduler = transport.Open(layout.Scheduler);
            using Mailbox worker = transport.Open(layout.Client);
            world.Barrier();
            ok &= ReceiveStreams(scheduler, worker, layout);
            world.Barrier();
        }
        else
        {
            world.Barrier();
            world.Barrier();
        }

        return ok ? 0 : 4;
    }

    private static bool SendStreams(Mailbox self, JobLayout layout)
    {
        // One ordered stream of control messages, sent one by one and in batches.
        for (int i = 0; i < PerSender; i += 2)
        {
            if (i % 4 == 0)
            {
                self.Send(layout.Scheduler, Finished(i));
                self.Send(layout.Scheduler, Finished(i + 1));
            }
            else
            {
                self.Send(layout.Scheduler, [Finished(i), Finished(i + 1)]);
            }
        }

        // A 1 MiB value inside a frame, and the same data as a zero-copy payload.
        double[] data = Enumerable.Range(0, 1 << 17).Select(i => (double)(i * (self.Id.Rank + 1))).ToArray();
        PutExternal framed = PutExternal.Rent();
        framed.Key = ("framed", self.Id.Rank);
        framed.Value = PooledArray<double>.CopyFrom(data);
        self.Send(layout.Client, framed);
        var block = OutgoingBlock.Rent(ElementType.Float64, data.Length, data.AsMemory().Pin());
        long version = block.Version;
        PutExternal zeroCopy = PutExternal.Rent();
        zeroCopy.Key = ("zero-copy", self.Id.Rank);
        zeroCopy.Value = block;
        self.Send(layout.Client, zeroCopy);
        bool sent = block.Wait(version, s_timeout, out Exception? failure) && failure is null;
        Program.Check(sent, $"payload-send-completes-{self.Id.Rank}");

        // Threads shipping blocks of different sizes at once, between control messages: each block's payload must
        // follow its own header, whichever thread posts it.
        bool concurrent = SendConcurrentBlocks(self, layout);

        // An endpoint no rank hosts.
        try
        {
            self.Send(EndpointId.Worker(0), Finished(0));
            Program.Check(false, "unknown-endpoint-throws");
            return false;
        }
        catch (ArgumentException error)
        {
            bool named = error.Message.Contains("worker@0", StringComparison.Ordinal);
            Program.Check(named, $"unknown-endpoint-throws-{self.Id.Rank}", error.Message);
            return sent && named && concurrent;
        }
    }

    /// <summary>The size and every value of block <paramref name="index"/> of publisher <paramref name="thread"/> on <paramref name="rank"/>.</summary>
    private static (int Length, double Value) ConcurrentBlock(int rank, int thread, int index) =>
        (1000 + (thread * 4096) + (index * 97), (rank * 1_000_000.0) + (thread * 1000) + index);

    private static int ConcurrentKey(int rank, int thread, int index) => (rank * 100_000) + (thread * 1000) + index;

    private static bool SendConcurrentBlocks(Mailbox self, JobLayout layout)
    {
        int rank = self.Id.Rank;
        var blocks = new System.Collections.Concurrent.ConcurrentBag<(OutgoingBlock Block, long Version)>();
        Thread[] threads = [.. Enumerable.Range(0, Publishers).Select(t => new Thread(() =>
        {
            for (int i = 0; i < BlocksPerPublisher; i++)
            {
                (int length, double value) = ConcurrentBlock(rank, t, i);
                double[] data = GC.AllocateArray<double>(length, pinned: true);
                data.AsSpan().Fill(value);
                var block = OutgoingBlock.Rent(ElementType.Float64, data.Length, data.AsMemory().Pin());
                blocks.Add((block, block.Version));
                PutExternal put = PutExternal.Rent();
                put.Key = new TaskKey("concurrent", ConcurrentKey(rank, t, i));
                put.Value = block;
                self.Send(layout.Client, put);
                if (i % 7 == 0)
                {
                    self.Send(layout.Scheduler, Finished(-1));
                }
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        bool joined = threads.All(thread => thread.Join(s_timeout));
        bool sent = joined && blocks.All(b => b.Block.Wait(b.Version, s_timeout, out Exception? failure) && failure is null);
        Program.Check(sent && blocks.Count == Publishers * BlocksPerPublisher, $"concurrent-blocks-sent-{rank}", $"{blocks.Count} blocks");
        return sent;
    }

    private static bool ReceiveReplies(Mailbox self, JobLayout layout)
    {
        Message reply = self.Reader.ReadAsync().AsTask().WaitAsync(s_timeout).GetAwaiter().GetResult();
        bool ok = reply is TaskFinished { Nbytes: PerSender } && reply.From == layout.Scheduler;
        Program.Check(ok, $"reply-{self.Id.Rank}", $"{reply.Kind} from {reply.From}");
        reply.Return();
        return ok;
    }

    private static bool ReceiveStreams(Mailbox scheduler, Mailbox worker, JobLayout layout)
    {
        bool ok = true;
        var next = new Dictionary<EndpointId, long>();
        for (int i = 0; i < layout.SimulationSize * PerSender; i++)
        {
            var message = (TaskFinished)scheduler.Reader.ReadAsync().AsTask().WaitAsync(s_timeout).GetAwaiter().GetResult();
            if (message.Nbytes == -1)
            {
                // A concurrent publisher's control message, in no order with the stream.
                message.Return();
                i--;
                continue;
            }

            long expected = next.GetValueOrDefault(message.From);
            ok &= message.Nbytes == expected && message.Key == new TaskKey("k", (int)expected) && message.From.Kind == EndpointKind.Producer;
            next[message.From] = expected + 1;
            message.Return();
        }

        Program.Check(ok && next.Count == layout.SimulationSize, "streams-in-order", $"{next.Count} senders");

        bool payloads = true;
        bool concurrent = true;
        int concurrentBlocks = 0;
        var nextOf = new Dictionary<(int Rank, int Thread), int>();

        // Each publisher's blocks in its order, each with its own size and values.
        bool Concurrent(PutExternal put)
        {
            int key = put.Key.Name == "concurrent" ? put.Key[0] : -1;
            (int from, int thread, int index) = (key / 100_000, key / 1000 % 100, key % 1000);
            (int length, double value) = ConcurrentBlock(from, thread, index);
            bool inOrder = key >= 0 && nextOf.GetValueOrDefault((from, thread)) == index;
            nextOf[(from, thread)] = index + 1;
            bool intact = inOrder && put.Value is PooledArray<double> block && block.Length == length && !block.Span.ContainsAnyExcept(value) && put.From == EndpointId.Producer(from);
            concurrentBlocks++;
            put.Return();
            return intact;
        }
        for (int i = 0; i < 2 * layout.SimulationSize; i++)
        {
            var put = (PutExternal)worker.Reader.ReadAsync().AsTask().WaitAsync(s_timeout).GetAwaiter().GetResult();
            if (put.Key.Name == "concurrent")
            {
                concurrent &= Concurrent(put);
                i--;
                continue;
            }

            int rank = put.Key[0];
            var array = put.Value as PooledArray<double>;
            bool intact = array is not null && array.Length == 1 << 17 && array.Span[12345] == 12345.0 * (rank + 1) && put.From == EndpointId.Producer(rank);
            payloads &= intact;
            Program.Check(intact, $"{put.Key.Name}-intact-{rank}");
            put.Return();
        }

        // The rest of the concurrent blocks, after the two framed ones of every rank.
        while (concurrentBlocks < layout.SimulationSize * Publishers * BlocksPerPublisher && concurrent)
        {
            concurrent &= Concurrent((PutExternal)worker.Reader.ReadAsync().AsTask().WaitAsync(s_timeout).GetAwaiter().GetResult());
        }

        Program.Check(concurrent && concurrentBlocks == layout.SimulationSize * Publishers * BlocksPerPublisher, "concurrent-blocks-intact-in-order", $"{concurrentBlocks} blocks");

        foreach (EndpointId sender in next.Keys)
        {
            scheduler.Send(sender, Finished(PerSender));
        }

        return ok && payloads && concurrent;
    }

    private static TaskFinished Finished(long n)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = ("k", (int)n);
        message.Nbytes = n;
        return message;
    }
}
