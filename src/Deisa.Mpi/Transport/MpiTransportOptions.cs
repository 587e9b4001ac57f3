namespace Deisa.Mpi.Transport;

/// <summary>Settings of the MPI transport's communication thread.</summary>
public sealed class MpiTransportOptions
{
    private long _payloadThresholdBytes = 64 << 10;

    /// <summary>
    /// Gets or sets the longest the communication thread sleeps when idle before polling MPI again. Outgoing messages
    /// wake it at once, and so do frames from ranks of the same node; those from other nodes wait for the next poll,
    /// so this bounds the added latency of an idle rank for them.
    /// </summary>
    public TimeSpan MaxIdleWait { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Gets or sets how long after its last send or receive the thread keeps polling without sleeping, to catch the
    /// immediate follow-up of a message (a reply, a send completing). Kept short: spinning steals the core from
    /// compute threads when ranks share cores.
    /// </summary>
    public TimeSpan BusyWindow { get; set; } = TimeSpan.FromMicroseconds(20);

    /// <summary>
    /// Gets or sets how long after the last message it received the thread polls with short sleeps of
    /// <see cref="WarmPollInterval"/> before it falls back to sleeping up to <see cref="MaxIdleWait"/>.
    /// </summary>
    public TimeSpan WarmWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Gets or sets how long after its last send the thread stays warm. Shorter than <see cref="WarmWindow"/>: a
    /// simulation rank publishes once per step, and between steps it should cost nothing; but a burst of publishes
    /// should not pay for waking the thread each time.
    /// </summary>
    public TimeSpan WarmWindowAfterSend { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Gets or sets whether a thread that ships a block posts its sends itself (MPI_THREAD_MULTIPLE), leaving the
    /// communication thread only to complete them; otherwise it queues the block for that thread to send. On by
    /// default: the block's data then moves without waiting for the thread to wake. Off is for comparing the two.
    /// </summary>
    public bool PostBlocksFromPublisher { get; set; } = true;

    /// <summary>
    /// Gets or sets the size from which a value a worker sends (a task's input for another worker, a result for the
    /// client) leaves its frame and follows it as a message of its own, sent from the worker's memory and received
    /// straight into a pooled array, as blocks from the simulation are: no copy into the frame and out of it. Smaller
    /// values stay in the frame, where one message carries them all. 64 KiB by default; <see cref="long.MaxValue"/>
    /// keeps every value in its frame.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to less than 1 byte.</exception>
    public long PayloadThresholdBytes
    {
        get => _payloadThresholdBytes;
        set => _payloadThresholdBytes = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The payload threshold must be at least 1 byte; long.MaxValue keeps every value in its frame.");
    }

    /// <summary>Gets or sets the sleep between polls while warm: a few wake-ups per millisecond cost little CPU.</summary>
    public TimeSpan WarmPollInterval { get; set; } = TimeSpan.FromMicroseconds(20);

    /// <summary>
    /// Gets or sets whether the ranks of a node share its cores with the communication threads, which decides how
    /// eagerly the thread polls. <see cref="CoreSharing.Auto"/> (the default, unless the environment variable
    /// <c>DEISA_CORE_SHARING</c> says auto, dedicated or shared) decides at start-up from the affinity masks of the
    /// node's ranks (<see cref="CoreLayout"/>).
    /// </summary>
    public CoreSharing CoreSharing { get; set; } = FromEnvironment();

    /// <summary>
    /// Gets or sets the sleep between polls while warm when cores are shared (no spinning either): a poll every few
    /// tens of microseconds costs a quarter of a core in system calls, taken from the simulation's compute threads.
    /// Measured on 3 ranks on 2 cores (BENCHMARKS.md): the coupled Heat2D ran about 1.7x faster than with the eager polling.
    /// </summary>
    public TimeSpan SharedWarmPollInterval { get; set; } = TimeSpan.FromMicroseconds(250);

    /// <summary>Gets or sets how long shutdown waits for sends in flight to complete.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether the communication threads share cores: each rank brings a compute thread and a communication thread,
    /// so when the ranks that may run on this rank's cores have more threads than those cores (as in a job that gives
    /// every core a rank, or binds each rank to one core) they do.
    /// </summary>
    /// <param name="cores">The node's cores as its ranks see them.</param>
    /// <returns>True when polling should be gentle.</returns>
    public bool SharesCores(CoreLayout cores)
    {
        ArgumentNullException.ThrowIfNull(cores);
        return CoreSharing == CoreSharing.Shared || (CoreSharing == CoreSharing.Auto && cores.ThreadsOutnumberCores);
    }

    private static CoreSharing FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable("DEISA_CORE_SHARING");
        if (string.IsNullOrEmpty(value))
        {
            return CoreSharing.Auto;
        }

        return Enum.TryParse(value, ignoreCase: true, out CoreSharing sharing) && Enum.IsDefined(sharing)
            ? sharing
            : throw new ArgumentException($"DEISA_CORE_SHARING is '{value}'; expected auto, dedicated or shared.");
    }

    /// <summary>The settings the communication thread runs with: these, made gentle when cores are shared.</summary>
    internal MpiTransportOptions Resolve(bool sharedCores)
    {
        if (!sharedCores)
        {
            return this;
        }

        var gentle = (MpiTransportOptions)MemberwiseClone();
        gentle.BusyWindow = TimeSpan.Zero;
        gentle.WarmPollInterval = SharedWarmPollInterval;
        return gentle;
    }
}

/// <summary>Whether the ranks of a node share cores with Deisa's communication threads.</summary>
public enum CoreSharing
{
    /// <summary>
    /// Decide at start-up: shared when the ranks that may run on this process's cores are more than half the cores
    /// they may use between them (<see cref="CoreLayout"/>).
    /// </summary>
    Auto,

    /// <summary>Every thread has a core: poll eagerly (lowest latency).</summary>
    Dedicated,

    /// <summary>Cores are shared: poll gently (no spinning, polls a few times per millisecond while warm).</summary>
    Shared,
}
