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
        var block = new OutgoingBlock(ElementType.Float64, data.Length, data.AsMemory().Pin());
        PutExternal zeroCopy = PutExternal.Rent();
        zeroCopy.Key = ("zero-copy", self.Id.Rank);
        zeroCopy.Value = block;
        self.Send(layout.Client, zeroCopy);
        bool sent = block.Completion.Task.Wait(s_timeout);
        Program.Check(sent, $"payload-send-completes-{self.Id.Rank}");

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
            return sent && named;
        }
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
            long expected = next.GetValueOrDefault(message.From);
            ok &= message.Nbytes == expected && message.Key == new TaskKey("k", (int)expected) && message.From.Kind == EndpointKind.Producer;
            next[message.From] = expected + 1;
            message.Return();
        }

        Program.Check(ok && next.Count == layout.SimulationSize, "streams-in-order", $"{next.Count} senders");

        bool payloads = true;
        for (int i = 0; i < 2 * layout.SimulationSize; i++)
        {
            var put = (PutExternal)worker.Reader.ReadAsync().AsTask().WaitAsync(s_timeout).GetAwaiter().GetResult();
            int rank = put.Key[0];
            var array = put.Value as PooledArray<double>;
            bool intact = array is not null && array.Length == 1 << 17 && array.Span[12345] == 12345.0 * (rank + 1) && put.From == EndpointId.Producer(rank);
            payloads &= intact;
            Program.Check(intact, $"{put.Key.Name}-intact-{rank}");
            put.Return();
        }

        foreach (EndpointId sender in next.Keys)
        {
            scheduler.Send(sender, Finished(PerSender));
        }

        return ok && payloads;
    }

    private static TaskFinished Finished(long n)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = ("k", (int)n);
        message.Nbytes = n;
        return message;
    }
}
