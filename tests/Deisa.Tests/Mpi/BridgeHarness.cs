using Deisa.Core.Arrays;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;
using Deisa.Mpi.Transport;

namespace Deisa.Tests.Mpi;

/// <summary>
/// A bridge without MPI: the test plays the scheduler and the worker on in-process mailboxes, reads what the bridge
/// sends, completes the sends and lets blocks go by hand. The array is 'field', 5 steps of one 4-element block.
/// </summary>
public abstract class BridgeHarness : IDisposable
{
    /// <summary>How long any wait of these tests may take before it fails.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly EndpointId s_scheduler = EndpointId.Scheduler(9);
    private static readonly EndpointId s_worker = EndpointId.Worker(8);
    // Blocks arrive as themselves, not copied: each test completes their sends, as MPI would.
    private readonly InProcessTransport _transport = new(new InProcessTransportOptions { DeliverLentValues = true });

    protected BridgeHarness()
    {
        SchedulerBox = _transport.Open(s_scheduler);
        WorkerBox = _transport.Open(s_worker);
    }

    /// <summary>Gets the worker the contracts of these tests ship to.</summary>
    protected static EndpointId Worker => s_worker;

    /// <summary>Gets what the bridge sends the scheduler.</summary>
    protected Mailbox SchedulerBox { get; }

    /// <summary>Gets what the bridge ships to the worker.</summary>
    protected Mailbox WorkerBox { get; }

    public void Dispose()
    {
        SchedulerBox.Dispose();
        WorkerBox.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A bridge for simulation rank 0 with 'field' declared.</summary>
    protected Bridge Create(DeisaMpiOptions options, bool droppable = false)
    {
        var bridge = new Bridge(_transport.Open(EndpointId.Producer(0)), s_scheduler, 0, options, sendsFromMemory: true);
        bridge.DeclareArray<double>("field", [5, 4], 0, [0], [4], ["t", "x"], droppable);
        return bridge;
    }

    /// <summary>A bridge for another rank, for what the constructor refuses.</summary>
    protected Bridge CreateOther(int rank, DeisaMpiOptions options) =>
        new(_transport.Open(EndpointId.Producer(rank)), s_scheduler, rank, options, sendsFromMemory: true);

    /// <summary>Sends rank 0 its contract: the given steps of 'field' go to the worker.</summary>
    protected void SendContract(StepSet steps)
    {
        ContractUpdate contract = ContractUpdate.Rent();
        contract.Entries.Add(new ContractEntry("field", [0], s_worker, steps));
        SchedulerBox.Send(EndpointId.Producer(0), contract);
    }

    /// <summary>Sends rank 0 an update of its contract.</summary>
    protected void SendToBridge(ContractUpdate update) => SchedulerBox.Send(EndpointId.Producer(0), update);

    /// <summary>Tells rank 0 the worker let a block go.</summary>
    protected void Release(TaskKey key)
    {
        KeysReleased released = KeysReleased.Rent();
        released.Keys.Add(key);
        WorkerBox.Send(EndpointId.Producer(0), released);
    }

    /// <summary>The next message of a kind in a mailbox, the others passed over.</summary>
    /// <remarks>
    /// Always goes on on a pool thread: the in-process mailbox runs a waiting reader's continuation inline on the
    /// sender's thread, and the sender may be the bridge's drain holding its lock. A test going on there would publish
    /// on the drain's thread, re-enter its lock and overtake the drain, which a simulation, on its own thread, cannot.
    /// </remarks>
    protected static async Task<T> Next<T>(Mailbox box)
        where T : Message
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            Message message = await box.Reader.ReadAsync(timeout.Token).AsTask().ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            if (message is T wanted)
            {
                return wanted;
            }
        }
    }

    /// <summary>The next block shipped to the worker, its send completed so that the bridge may go on.</summary>
    protected async Task<PutExternal> NextShipped()
    {
        PutExternal put = await Next<PutExternal>(WorkerBox);
        ((OutgoingBlock)put.Value!).Complete(null);
        return put;
    }
}
