using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Client;

/// <summary>Settings of a <see cref="DeisaRuntime"/>.</summary>
public sealed class RuntimeOptions
{
    /// <summary>Gets or sets how many tasks each worker runs at once; 0 shares the machine's cores among the workers.</summary>
    public int ThreadsPerWorker { get; set; }

    /// <summary>Gets or sets the operations tasks may name; <see cref="OperationRegistry.Default"/> when null.</summary>
    public OperationRegistry? Operations { get; set; }

    /// <summary>Gets or sets how values are encoded when they cross processes; <see cref="ValueCodecRegistry.Default"/> when null.</summary>
    public ValueCodecRegistry? Values { get; set; }

    /// <summary>
    /// Gets or sets the transport, by name: <see cref="TransportNames.InProcess"/> (the default: messages handed over
    /// as objects) or <see cref="TransportNames.InProcessSerialized"/> (every message through the wire format, as under
    /// MPI; slower, and it refuses what could not cross processes, as MPI would).
    /// </summary>
    public string Transport { get; set; } = TransportNames.InProcess;

    /// <summary>Gets or sets whether the scheduler checks all its invariants after every message (slow; for tests).</summary>
    public bool ValidateScheduler { get; set; }

    /// <summary>Gets or sets how many recent transitions the scheduler keeps for stories.</summary>
    public int StoryCapacity { get; set; } = 1 << 16;

    /// <summary>
    /// Gets or sets how many producers stand for simulation ranks: the scheduler waits for each to declare its arrays
    /// before answering <see cref="DeisaClient.GetArrays"/>. Create them, in rank order, with <see cref="DeisaRuntime.CreateProducer"/>.
    /// </summary>
    public int SimulationRanks { get; set; }

    /// <summary>
    /// Gets or sets how the producers couple to the analytics: <see cref="Arrays.CouplingMode.Deisa3"/> (external tasks
    /// and a contract) or <see cref="Arrays.CouplingMode.Deisa1"/> (every block shipped and announced each step). A
    /// producer's bridge must use the same mode.
    /// </summary>
    public Arrays.CouplingMode Mode { get; set; } = Arrays.CouplingMode.Deisa3;

    /// <summary>Gets or sets the client's time limits.</summary>
    public ClientOptions Client { get; set; } = new();

    /// <summary>Gets or sets the bound on steps each producer may have in flight, and what happens at the bound.</summary>
    public Coupling.BackpressureOptions Backpressure { get; set; } = new();

    /// <summary>Gets or sets how long shutdown waits for running tasks and loops before giving up on them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
