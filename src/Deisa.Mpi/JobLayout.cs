using Deisa.Core.Client;
using Deisa.Core.Transport;

namespace Deisa.Mpi;

/// <summary>Which world rank plays which role: simulation ranks first, then the analytics ranks.</summary>
public sealed class JobLayout
{
    /// <summary>Computes the layout of a job.</summary>
    /// <param name="worldSize">The number of ranks.</param>
    /// <param name="analyticsRanks">How many of the last ranks run the analytics.</param>
    /// <param name="workerOnRoot">Whether analytics rank 0 runs a worker; null for "only if it is alone".</param>
    /// <exception cref="ArgumentException">The numbers do not fit; the message says what to change.</exception>
    public JobLayout(int worldSize, int analyticsRanks, bool? workerOnRoot)
    {
        if (analyticsRanks < 1 || analyticsRanks >= worldSize)
        {
            throw new ArgumentException(
                $"{analyticsRanks} analytics rank(s) in a job of {worldSize} rank(s): there must be at least one analytics rank and one simulation rank. " +
                $"Launch more ranks (mpiexec.mpich -n {analyticsRanks + 1} or more) or set fewer analytics ranks.",
                nameof(analyticsRanks));
        }

        WorldSize = worldSize;
        SimulationSize = worldSize - analyticsRanks;
        AnalyticsSize = analyticsRanks;
        AnalyticsRoot = SimulationSize;
        WorkerOnRoot = workerOnRoot ?? analyticsRanks == 1;
        if (!WorkerOnRoot && analyticsRanks == 1)
        {
            throw new ArgumentException("With a single analytics rank, that rank must run a worker: set WorkerOnAnalyticsRoot to true or add analytics ranks.", nameof(workerOnRoot));
        }

        Workers = Enumerable.Range(WorkerOnRoot ? AnalyticsRoot : AnalyticsRoot + 1, WorkerOnRoot ? analyticsRanks : analyticsRanks - 1)
            .Select(EndpointId.Worker).ToArray();
        Producers = Enumerable.Range(0, SimulationSize).Select(EndpointId.Producer).ToArray();
    }

    /// <summary>Gets the number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>Gets the number of simulation ranks (world ranks 0 to this minus one).</summary>
    public int SimulationSize { get; }

    /// <summary>Gets the number of analytics ranks.</summary>
    public int AnalyticsSize { get; }

    /// <summary>Gets the world rank of analytics rank 0: scheduler, client and the user's analytics code.</summary>
    public int AnalyticsRoot { get; }

    /// <summary>Gets whether analytics rank 0 also runs a worker.</summary>
    public bool WorkerOnRoot { get; }

    /// <summary>Gets the workers' endpoints, in worker-index order.</summary>
    public IReadOnlyList<EndpointId> Workers { get; }

    /// <summary>Gets the producers' endpoints (one per simulation rank).</summary>
    public IReadOnlyList<EndpointId> Producers { get; }

    /// <summary>Gets the scheduler's endpoint.</summary>
    public EndpointId Scheduler => EndpointId.Scheduler(AnalyticsRoot);

    /// <summary>Gets the client's endpoint.</summary>
    public EndpointId Client => EndpointId.Client(AnalyticsRoot);

    /// <summary>Gets whether a world rank simulates.</summary>
    /// <param name="worldRank">The rank.</param>
    /// <returns>Whether it is a simulation rank.</returns>
    public bool IsSimulation(int worldRank) => worldRank < SimulationSize;

    /// <summary>Gets every endpoint of the job.</summary>
    /// <returns>The endpoints.</returns>
    public IEnumerable<EndpointId> AllEndpoints() => Producers.Concat(Workers).Append(Scheduler).Append(Client);

    /// <summary>Gets which analytics parts an analytics rank hosts: the scheduler and client on the root, a worker where one runs.</summary>
    /// <param name="worldRank">An analytics rank.</param>
    /// <returns>The placement for the composition root.</returns>
    internal AnalyticsPlacement PlacementOf(int worldRank) => new(
        Scheduler,
        Client,
        Workers,
        Producers,
        HostsScheduler: worldRank == AnalyticsRoot,
        LocalWorkers: [.. Workers.Where(w => w.Rank == worldRank)]);

    /// <summary>Describes the layout.</summary>
    /// <returns>One line.</returns>
    public override string ToString() =>
        $"{WorldSize} ranks: simulation 0-{SimulationSize - 1}, analytics {AnalyticsRoot}-{WorldSize - 1} (root {AnalyticsRoot}{(WorkerOnRoot ? " with a worker" : string.Empty)}, {Workers.Count} worker(s))";
}
