using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Execution;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi.Native;
using Deisa.Mpi.Runtime;
using Deisa.Mpi.Transport;

namespace Deisa.Mpi;

/// <summary>
/// Deisa inside one MPI job: initialises MPI, splits the world into simulation and analytics ranks, and runs the
/// communication thread. Every rank creates one session, with the same options.
/// </summary>
/// <remarks>
/// <para>Simulation ranks (world ranks 0 to S-1) get a <see cref="SimulationCommunicator"/> for their own
/// communication and a <see cref="Bridge.Bridge"/> to publish data. Analytics ranks (the last ones) call
/// <see cref="RunAnalytics"/>: analytics rank 0 runs the scheduler, the client and the user's analytics code, the
/// others run workers until the job ends.</para>
/// <para>Creating and disposing a session are collective over <c>MPI_COMM_WORLD</c>: every rank must do both.
/// A failure that leaves a rank unable to communicate ends the job with <c>MPI_Abort</c> and a message saying why.</para>
/// </remarks>
public sealed class DeisaSession : IDisposable
{
    private readonly MPI.Environment _environment;
    private readonly DeisaMpiOptions _options;
    private readonly MpiTransport _transport;
    private readonly int _deisaComm;
    private readonly int _roleComm;
    private Bridge.Bridge? _bridge;
    private volatile AnalyticsRoot? _root;
    private volatile WorkerHost? _worker;
    private bool _disposed;

    private DeisaSession(MPI.Environment environment, DeisaMpiOptions options, JobLayout layout, int worldRank, int deisaComm, int roleComm, MpiTransport transport)
    {
        _environment = environment;
        _options = options;
        Layout = layout;
        WorldRank = worldRank;
        _deisaComm = deisaComm;
        _roleComm = roleComm;
        _transport = transport;
        if (layout.IsSimulation(worldRank))
        {
            SimulationCommunicator = MPI.Intracommunicator.Adopt(roleComm);
        }

        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Gets this process's rank in <c>MPI_COMM_WORLD</c>.</summary>
    public int WorldRank { get; }

    /// <summary>Gets the job's layout: which rank plays which role.</summary>
    public JobLayout Layout { get; }

    /// <summary>Gets whether this rank simulates.</summary>
    public bool IsSimulation => Layout.IsSimulation(WorldRank);

    /// <summary>Gets whether this rank runs analytics.</summary>
    public bool IsAnalytics => !IsSimulation;

    /// <summary>Gets this rank's index among the simulation ranks, or -1.</summary>
    public int SimulationRank => IsSimulation ? WorldRank : -1;

    /// <summary>Gets this rank's index among the analytics ranks, or -1.</summary>
    public int AnalyticsRank => IsAnalytics ? WorldRank - Layout.AnalyticsRoot : -1;

    /// <summary>Gets the simulation ranks' communicator, for the simulation's own MPI calls; null on analytics ranks.</summary>
    public MPI.Intracommunicator? SimulationCommunicator { get; }

    /// <summary>
    /// Gets the MPI handle (MPICH ABI) of <see cref="SimulationCommunicator"/>, for raw MPI calls such as a halo
    /// exchange with derived datatypes through <c>MPI.Unsafe</c>; -1 on analytics ranks.
    /// </summary>
    public int SimulationCommunicatorHandle => SimulationCommunicator is null ? -1 : _roleComm;

    /// <summary>Gets the number of MPI ranks on this rank's node.</summary>
    public int RanksOnNode => Cores.RanksOnNode;

    /// <summary>Gets the cores of this rank's node as its ranks see them, and how many ranks compete for this one's.</summary>
    public CoreLayout Cores { get; private init; } = null!;

    /// <summary>Gets the threads Deisa runs on this rank and how they poll, for a start-up line (see <see cref="RankThreads"/>).</summary>
    public RankThreads Threads { get; private init; } = null!;

    /// <summary>
    /// Gets whether the communication thread polls gently because the node's cores are shared (see
    /// <see cref="MpiTransportOptions.CoreSharing"/>).
    /// </summary>
    public bool SharedCores { get; private init; }

    /// <summary>Gets what reached the scheduler during <see cref="RunAnalytics"/>, on analytics rank 0 once it returned.</summary>
    public SchedulerLoad? SchedulerLoad { get; private set; }

    /// <summary>Gets how many keys the scheduler knows, on analytics rank 0 while <see cref="RunAnalytics"/> runs; -1 otherwise.</summary>
    /// <remarks>For monitoring and soak tests: a read of a count owned by the scheduler's thread, approximate while it runs.</remarks>
    internal int SchedulerTaskCount => _root?.SchedulerTaskCount ?? -1;

    /// <summary>Gets how many values this rank's worker stores while <see cref="RunAnalytics"/> runs; -1 when it runs none.</summary>
    internal int WorkerStoredCount => _worker?.State.StoredCount ?? -1;

    /// <summary>
    /// Gets the bytes this rank's runtime threads had allocated: the communication thread and, on the analytics root,
    /// the scheduler's, the workers' and the client's message loops (the user's code and the tasks are not counted).
    /// </summary>
    internal long RuntimeThreadsAllocatedBytes => _transport.CommunicationAllocatedBytes + (_root?.LoopsAllocatedBytes ?? (_worker?.LoopAllocatedBytes ?? 0));

    /// <summary>Gets the estimated bytes of the values this rank's worker stores; -1 when it runs none.</summary>
    internal long WorkerStoredBytes => _worker?.State.StoredBytes ?? -1;

    /// <summary>Gets the transport, for tests that exercise it directly.</summary>
    internal MpiTransport Transport => _transport;

    /// <summary>Gets how many frames this rank's communication thread sent.</summary>
    public long FramesSent => _transport.FramesSent;

    /// <summary>Gets the bytes of frames sent (block payloads excluded).</summary>
    public long BytesSent => _transport.BytesSent;

    /// <summary>Gets the bytes of block payloads sent without copy.</summary>
    public long PayloadBytesSent => _transport.PayloadBytesSent;

    /// <summary>Initialises MPI (thread level MULTIPLE) and Deisa on this rank. Collective: every rank calls it.</summary>
    /// <param name="options">The job's settings, the same on every rank.</param>
    /// <returns>The session.</returns>
    /// <exception cref="MpiUnavailableException">No MPICH-ABI MPI, no thread support, or the wrong launcher.</exception>
    /// <exception cref="ArgumentException">The options do not fit the number of ranks.</exception>
    public static DeisaSession Initialize(DeisaMpiOptions? options = null)
    {
        options ??= new DeisaMpiOptions();
        MpiLibrary.EnsureLoaded();
        string[]? args = null;
        var environment = new MPI.Environment(ref args, MPI.Threading.Multiple);
        if (MPI.Environment.Threading != MPI.Threading.Multiple)
        {
            throw new MpiUnavailableException(
                $"The MPI library provides thread level {MPI.Environment.Threading}, but Deisa's communication thread needs MULTIPLE. Use an MPICH build with thread support (Debian's mpich has it).");
        }

        int worldRank = MpiApi.CommRank(MpiApi.CommWorld);
        int worldSize = MpiApi.CommSize(MpiApi.CommWorld);
        MpiApi.WorldRank = worldRank;
        CheckLauncher(worldSize);
        var layout = new JobLayout(worldSize, options.AnalyticsRanks, options.WorkerOnAnalyticsRoot);

        // Deisa talks on a private copy of the world, so its tags never meet the simulation's messages.
        int deisaComm = MpiApi.CommDup(MpiApi.CommWorld);
        MpiApi.SetErrorsReturn(deisaComm);
        int roleComm = MpiApi.CommSplit(MpiApi.CommWorld, layout.IsSimulation(worldRank) ? 0 : 1, worldRank);
        var codec = new MessageCodec(options.Operations ?? OperationRegistry.Default, options.Values);
        int node = MpiApi.SplitNode(MpiApi.CommWorld);
        CoreLayout cores = CoreLayout.Gather(node);
        Doorbell doorbell = Doorbell.Open(node, worldRank, worldSize);
        MpiApi.CommFree(ref node);
        bool sharedCores = options.Transport.SharesCores(cores);
        var transport = new MpiTransport(deisaComm, worldRank, layout.AllEndpoints(), codec, options.Transport.Resolve(sharedCores), doorbell, error => Fatal(worldRank, error));
        return new DeisaSession(environment, options, layout, worldRank, deisaComm, roleComm, transport)
        {
            Cores = cores,
            SharedCores = sharedCores,
            Threads = layout.IsSimulation(worldRank)
                ? new RankThreads(RankRole.Simulation, 0, sharedCores, cores, doorbell.Peers)
                : worldRank == layout.AnalyticsRoot
                    ? new RankThreads(RankRole.AnalyticsRoot, layout.WorkerOnRoot ? options.ThreadsPerWorker : 0, sharedCores, cores, doorbell.Peers)
                    : new RankThreads(RankRole.AnalyticsWorker, options.ThreadsPerWorker, sharedCores, cores, doorbell.Peers),
        };
    }

    /// <summary>Creates this simulation rank's bridge; one per rank.</summary>
    /// <returns>The bridge; dispose it (or call <see cref="Bridge.Bridge.Finish"/>) when the simulation ends.</returns>
    /// <exception cref="InvalidOperationException">This is not a simulation rank, or the bridge exists already.</exception>
    public Bridge.Bridge CreateBridge()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsSimulation)
        {
            throw new InvalidOperationException($"World rank {WorldRank} is an analytics rank; only simulation ranks (0 to {Layout.SimulationSize - 1}) publish.");
        }

        if (_bridge is not null)
        {
            throw new InvalidOperationException("This rank already has a bridge; create one per simulation rank.");
        }

        _bridge = new Bridge.Bridge(_transport.Open(EndpointId.Producer(WorldRank)), Layout.Scheduler, WorldRank, _options, sendsFromMemory: true);
        return _bridge;
    }

    /// <summary>
    /// Runs this analytics rank's part: on analytics rank 0, the scheduler, the client and
    /// <paramref name="analytics"/>; on the others, a worker until the job ends. Collective over the analytics ranks.
    /// </summary>
    /// <param name="analytics">The user's analytics, run on analytics rank 0 only; returns the exit code.</param>
    /// <returns>The exit code: what <paramref name="analytics"/> returned (1 if it threw) on rank 0, 0 elsewhere.</returns>
    /// <remarks>
    /// Once <paramref name="analytics"/> returns, rank 0 waits for every simulation rank to finish (up to
    /// <see cref="DeisaMpiOptions.FinishTimeout"/>, after which it aborts the job), then stops the workers.
    /// If the analytics fail, the contract is revoked first, so the simulation stops shipping and ends normally.
    /// </remarks>
    public int RunAnalytics(Func<DeisaClient, int> analytics)
    {
        ArgumentNullException.ThrowIfNull(analytics);
        return RunAnalyticsAsync(client => Task.FromResult(analytics(client))).GetAwaiter().GetResult();
    }

    /// <summary>Asynchronous form of <see cref="RunAnalytics"/>.</summary>
    /// <param name="analytics">The user's analytics, run on analytics rank 0 only; returns the exit code.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> RunAnalyticsAsync(Func<DeisaClient, Task<int>> analytics)
    {
        ArgumentNullException.ThrowIfNull(analytics);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsAnalytics)
        {
            throw new InvalidOperationException($"World rank {WorldRank} is a simulation rank; analytics run on ranks {Layout.AnalyticsRoot} to {Layout.WorldSize - 1}.");
        }

        if (WorldRank == Layout.AnalyticsRoot)
        {
            await using var root = new AnalyticsRoot(_transport, Layout, _options);
            _root = root;
            _worker = root.Worker;
            try
            {
                int code = await root.RunAsync(analytics, WorldRank).ConfigureAwait(false);
                SchedulerLoad = root.Load;
                return code;
            }
            finally
            {
                _root = null;
                _worker = null;
            }
        }

        await using var worker = new AnalyticsWorker(_transport, Layout, _options, WorldRank);
        _worker = worker.Host;
        try
        {
            await worker.RunUntilClosedAsync().ConfigureAwait(false);
        }
        finally
        {
            _worker = null;
        }

        return 0;
    }

    /// <summary>Ends the whole job at once, from any rank, after printing why.</summary>
    /// <param name="reason">What went wrong.</param>
    /// <param name="code">The exit code.</param>
    public void Abort(string reason, int code = 1) => Fatal(WorldRank, new DeisaException(reason), code);

    /// <summary>Stops the communication thread and finalises MPI. Collective: every rank must call it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _bridge?.Dispose();
        _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SimulationCommunicator?.Dispose();
        int deisa = _deisaComm;
        MpiApi.CommFree(ref deisa);
        if (SimulationCommunicator is null)
        {
            int role = _roleComm;
            MpiApi.CommFree(ref role);
        }

        _environment.Dispose();
    }

    /// <summary>
    /// A process that exits without ending its session (Environment.Exit, a return past the session) would leave the
    /// other ranks waiting for it, and the launcher may even report success: abort the job with the reason instead.
    /// </summary>
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (!_disposed)
        {
            Fatal(WorldRank, new DeisaException($"this process is exiting (exit code {System.Environment.ExitCode}) without disposing its DeisaSession; ending the job."), 14);
        }
    }

    private static void Fatal(int rank, Exception error, int code = 1) =>
        MpiApi.AbortJob($"deisa: world rank {rank}: fatal: {error.Message}", code);

    private static void CheckLauncher(int worldSize)
    {
        string? openMpiSize = System.Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE");
        if (worldSize == 1 && int.TryParse(openMpiSize, out int launched) && launched > 1)
        {
            throw new MpiUnavailableException(
                $"This process was started by Open MPI's mpiexec ({launched} ranks) but uses MPICH, so every rank believes it is alone. Launch with mpiexec.mpich.");
        }
    }
}
