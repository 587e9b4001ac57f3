using System.Threading.Tasks;
using Deisa.Core.Transport;
using Deisa.Mpi;
using Deisa.Mpi.Transport;
using Deisa.Testing;

namespace Deisa.MpiTestApp;

/// <summary>
/// The transport contract the in-process transports pass (<see cref="TransportContract"/>), over the MPI transport:
/// every simulation rank is a sender, the analytics root the receiver, each half on its own rank; barriers separate
/// the halves. Prints one check per case and rank.
/// </summary>
public static class TransportContractRun
{
    public static int Run(DeisaSession session)
    {
        MpiTransport transport = session.Transport;
        JobLayout layout = session.Layout;
        MPI.Intracommunicator world = MPI.Communicator.world;
        int rank = session.WorldRank;
        bool receives = rank == layout.AnalyticsRoot;
        Mailbox? sender = session.IsSimulation ? transport.Open(EndpointId.Producer(rank)) : null;

        // Simulation rank 0 hosts no worker: every rank must refuse to send there, naming it.
        EndpointId unknown = EndpointId.Worker(0);
        var open = new Dictionary<EndpointKind, Mailbox>();
        bool ok = true;
        foreach (ContractCase contract in TransportContract.Cases)
        {
            var target = new EndpointId(layout.AnalyticsRoot, contract.ReceiverKind);
            ContractReceiver? receiver = null;
            string? violation = null;
            if (receives)
            {
                if (!open.TryGetValue(contract.ReceiverKind, out Mailbox? mailbox))
                {
                    mailbox = transport.Open(target);
                    open.Add(contract.ReceiverKind, mailbox);
                }

                receiver = new ContractReceiver(mailbox, layout.Producers, () => transport.Open(target));
                violation = Attempt(() => contract.Prepare?.Invoke(receiver));
            }

            world.Barrier();
            ContractSender? sending = sender is null ? null : new ContractSender(sender, target, unknown);
            if (sending is not null)
            {
                violation = Attempt(() => contract.Send(sending));
            }

            world.Barrier();
            if (receiver is not null)
            {
                violation ??= Attempt(() => contract.Check(receiver));
            }

            world.Barrier();
            if (sending is not null && contract.After is { } after)
            {
                violation ??= Attempt(() => after(sending));
            }

            if (session.IsSimulation || receives)
            {
                Program.Check(violation is null, $"contract-{contract.Name}-rank{rank}", violation ?? string.Empty);
            }

            ok &= violation is null;
            world.Barrier();
        }

        // The data replies' large values left their frames, sent from the senders' memory.
        if (sender is not null)
        {
            long payloads = transport.PayloadBytesSent;
            bool apart = payloads >= TransportContract.LargeReplyBytes;
            Program.Check(apart, $"contract-large-values-as-payloads-rank{rank}", $"{payloads} payload bytes sent");
            ok &= apart;
        }

        // Last: disposing the transport (collective) ends a reader's wait.
        Mailbox? waiter = receives ? open[EndpointKind.Worker] : sender;
        Task<bool>? waiting = waiter is null ? null : TransportContract.WaitForMore(waiter);
        transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (waiter is not null)
        {
            string? violation = Attempt(() => TransportContract.CheckDisposeEndsWait(waiter, waiting!));
            Program.Check(violation is null, $"contract-dispose-ends-waits-rank{rank}", violation ?? string.Empty);
            ok &= violation is null;
        }

        return ok ? 0 : 4;
    }

    private static string? Attempt(Action half)
    {
        try
        {
            half();
            return null;
        }
        catch (ContractViolation violation)
        {
            return violation.Message;
        }
    }
}
