using System.Globalization;
using System.Runtime;

namespace Deisa.Mpi;

/// <summary>
/// The threads Deisa runs on a rank, how its communication thread polls, and the garbage collector's mode: what the
/// rank may take of its node's cores besides the simulation's or the analytics' own work, said at start-up so that
/// a job's layout can be checked against it.
/// </summary>
/// <remarks>
/// By default an analytics rank takes one core's worth when busy and next to nothing when idle: one executor thread per
/// worker (<see cref="DeisaMpiOptions.ThreadsPerWorker"/>), a communication thread that polls gently when the node's
/// cores are shared (<see cref="Transport.MpiTransportOptions.CoreSharing"/>), the workstation collector. What takes
/// more is configured, and shows here: more executor threads, eager polling, the server collector (a thread per
/// heap), or native BLAS threads (which the caller adds, as Heat2D does with <c>DeisaMl.BlasThreads</c>).
/// </remarks>
public sealed class RankThreads
{
    internal RankThreads(RankRole role, int executorThreads, bool gentlePolling, CoreLayout cores, int wokenBy)
    {
        WokenBy = wokenBy;
        Role = role;
        ExecutorThreads = executorThreads;
        GentlePolling = gentlePolling;
        Cores = cores;
        ServerGc = GCSettings.IsServerGC;
        GcHeaps = GcSetting("HeapCount") is long heaps and > 0 ? (int)heaps : 1;
        ConcurrentGc = GcSetting("ConcurrentGC") is true;
    }

    /// <summary>Gets what the rank runs.</summary>
    public RankRole Role { get; }

    /// <summary>Gets how many threads run the worker's tasks on this rank (0 where no worker runs).</summary>
    public int ExecutorThreads { get; }

    /// <summary>Gets whether the communication thread polls gently (never spins) because the cores are shared.</summary>
    public bool GentlePolling { get; }

    /// <summary>
    /// Gets how many other ranks of the node wake this one's communication thread when they send it a frame, rather
    /// than leave the frame for its next poll: every other rank of the node, unless its wake-up pipe could not be made.
    /// </summary>
    public int WokenBy { get; }

    /// <summary>Gets the cores of the node as its ranks see them.</summary>
    public CoreLayout Cores { get; }

    /// <summary>Gets whether the server garbage collector runs (a collecting thread per heap) rather than the workstation one.</summary>
    public bool ServerGc { get; }

    /// <summary>Gets how many heaps the collector keeps (1 for the workstation collector).</summary>
    public int GcHeaps { get; }

    /// <summary>Gets whether full collections run on a background thread beside the program's threads.</summary>
    public bool ConcurrentGc { get; }

    /// <summary>Says it in one line: <c>analytics worker: 1 executor thread, communication thread polling gently (woken by the node's 2 other ranks), workstation GC with background collections; 3 ranks on the node's 2 cores; …</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string executors = ExecutorThreads switch
        {
            0 => string.Empty,
            1 => "1 executor thread, ",
            _ => $"{ExecutorThreads} executor threads, ",
        };
        string role = Role switch
        {
            RankRole.Simulation => "simulation rank",
            RankRole.AnalyticsRoot => "analytics root",
            _ => "analytics worker",
        };
        string scheduler = Role == RankRole.AnalyticsRoot ? "scheduler thread, " : string.Empty;
        string polling = GentlePolling ? "gently" : "eagerly";
        string woken = WokenBy switch
        {
            0 => string.Empty,
            1 => " (woken by the node's other rank)",
            _ => $" (woken by the node's {WokenBy} other ranks)",
        };
        string gc = ServerGc ? $"server GC with {GcHeaps} heaps" : "workstation GC";
        string background = ConcurrentGc ? " and background collections" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{role}: {scheduler}{executors}communication thread polling {polling}{woken}, {gc}{background}; {Cores}");
    }

    private static object? GcSetting(string name) =>
        GC.GetConfigurationVariables().TryGetValue(name, out object? value) ? value : null;
}
