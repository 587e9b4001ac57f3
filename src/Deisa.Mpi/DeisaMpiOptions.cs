using Deisa.Core.Coupling;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Mpi.Transport;

namespace Deisa.Mpi;

/// <summary>Settings of a Deisa MPI job; every rank must pass the same values.</summary>
public sealed class DeisaMpiOptions
{
    /// <summary>Gets or sets how many ranks run the analytics: the last ones of <c>MPI_COMM_WORLD</c>.</summary>
    public int AnalyticsRanks { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether analytics rank 0 (scheduler and client) also runs a worker. Null: only when it is the only
    /// analytics rank.
    /// </summary>
    public bool? WorkerOnAnalyticsRoot { get; set; }

    /// <summary>Gets or sets how many tasks each worker runs at once.</summary>
    public int ThreadsPerWorker { get; set; } = 1;

    /// <summary>Gets or sets the coupling mode.</summary>
    public CouplingMode Mode { get; set; } = CouplingMode.Deisa3;

    /// <summary>
    /// Gets or sets how long a simulation rank waits for its contract once it cannot go on without it (its staging
    /// budget is used up, or it finishes with blocks staged) before the publish fails.
    /// </summary>
    public TimeSpan ContractTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets how many bytes a simulation rank may copy aside while its contract has not arrived, so that its
    /// first steps do not wait for the analytics to set up: 16 MiB by default, 0 to wait at the first publish.
    /// </summary>
    /// <remarks>
    /// Blocks published before the contract are copied into pooled buffers and the publish returns at once; when the
    /// contract arrives the contracted ones are shipped from those copies, in step order, and the others are let go.
    /// From then on nothing is copied. Once a publish would pass the budget it waits for the contract (up to
    /// <see cref="ContractTimeout"/>). Under a bound on steps in flight the copies are shipped as the workers make room
    /// (<see cref="BackpressureOptions.MaxStepsInFlight"/> bounds what the workers hold, not what is staged here), and a
    /// publish after them waits for the last to go. The budget is per rank: with many ranks per node, mind the node's
    /// memory.
    /// </remarks>
    public long StagingBytesBeforeContract { get; set; } = 16L << 20;

    /// <summary>
    /// Gets or sets how many bytes of copies a simulation rank may have in flight, so that a publish gives the block's
    /// memory back at once instead of when the analytics rank has received it: 0 by default, every block sent straight
    /// from the simulation's memory (zero copy).
    /// </summary>
    /// <remarks>
    /// A contracted block is copied into a pooled buffer on the publishing thread and sent from there while the copies
    /// not yet received (with the bridge's other buffers in flight: preprocessed blocks, blocks staged before the
    /// contract) stay within the budget; past it, a block is sent from the simulation's memory, which must not be
    /// written until <see cref="Bridge.PublishHandle.Wait"/> returns. The copy costs the publishing thread a pass over the
    /// block (about 1 ms for 8 MiB); it pays where the receiving rank cannot take a block at once, as when analytics
    /// ranks share the simulation's cores and their transfer moves only while they call into MPI: one block of budget
    /// then covers the wait for it. Buffers are pooled by powers of two, so a block of 5 MiB holds 8 MiB of memory. The
    /// budget is per rank: with many ranks per node, mind the node's memory; threads publishing at once may each pass
    /// it by one block. Over an in-process runtime, which copies every block to its worker anyway, it is not used.
    /// </remarks>
    public long CopyBudgetBytes { get; set; }

    /// <summary>
    /// Gets or sets how long a simulation rank reading a steering value waits for the analytics' decision on a value
    /// for that step it already accepted (every rank sees it at that step or none does), before the read fails.
    /// </summary>
    public TimeSpan SteeringDecisionTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long a publish or finish waits for sends to complete.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets how long the analytics wait, once done, for the simulation ranks to finish before aborting the job.</summary>
    public TimeSpan FinishTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the operations tasks may name; the same registrations on every rank.</summary>
    public OperationRegistry? Operations { get; set; }

    /// <summary>Gets or sets the value codecs; the same registrations on every rank.</summary>
    public ValueCodecRegistry? Values { get; set; }

    /// <summary>Gets or sets the client's time limits.</summary>
    public ClientOptions Client { get; set; } = new();

    /// <summary>Gets or sets the communication thread's settings.</summary>
    public MpiTransportOptions Transport { get; set; } = new();

    /// <summary>Gets or sets the bound on steps each simulation rank may have in flight, and what happens at the bound.</summary>
    public BackpressureOptions Backpressure { get; set; } = new();

    /// <summary>Gets or sets whether the scheduler checks its invariants after every message (slow; for tests).</summary>
    public bool ValidateScheduler { get; set; }

    /// <summary>What the analytics' composition root builds from these settings.</summary>
    /// <remarks>The shutdown waits as long as a send may take: under MPI a stop may wait for the peer ranks.</remarks>
    internal AnalyticsSettings Analytics => new()
    {
        ThreadsPerWorker = ThreadsPerWorker,
        ShutdownTimeout = SendTimeout,
        Client = Client,
        ValidateScheduler = ValidateScheduler,
        Mode = Mode,
        Operations = Operations,
    };
}
