using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Execution;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Core.Client;

/// <summary>Where the analytics' endpoints are, and which of them this process hosts.</summary>
/// <param name="Scheduler">The scheduler's endpoint.</param>
/// <param name="Client">The client's endpoint, beside the scheduler.</param>
/// <param name="Workers">Every worker of the job, in worker-index order.</param>
/// <param name="Producers">Every producer (simulation rank) the scheduler waits for.</param>
/// <param name="HostsScheduler">Whether this process runs the scheduler and the client.</param>
/// <param name="LocalWorkers">The workers this process runs.</param>
internal sealed record AnalyticsPlacement(
    EndpointId Scheduler,
    EndpointId Client,
    IReadOnlyList<EndpointId> Workers,
    IReadOnlyList<EndpointId> Producers,
    bool HostsScheduler,
    IReadOnlyList<EndpointId> LocalWorkers);

/// <summary>What the analytics' parts are built with, whichever transport carries them.</summary>
internal sealed record AnalyticsSettings
{
    /// <summary>Gets how many tasks each worker runs at once.</summary>
    public required int ThreadsPerWorker { get; init; }

    /// <summary>Gets how long each step of the shutdown waits before giving up on what it waits for.</summary>
    public required TimeSpan ShutdownTimeout { get; init; }

    /// <summary>Gets the client's time limits.</summary>
    public required ClientOptions Client { get; init; }

    /// <summary>Gets whether the scheduler checks its invariants after every message.</summary>
    public bool ValidateScheduler { get; init; }

    /// <summary>Gets how many recent transitions the scheduler keeps for stories.</summary>
    public int StoryCapacity { get; init; } = 1 << 16;

    /// <summary>Gets how the producers couple to the analytics.</summary>
    public CouplingMode Mode { get; init; } = CouplingMode.Deisa3;

    /// <summary>Gets the operations tasks may name; <see cref="OperationRegistry.Default"/> when null.</summary>
    public OperationRegistry? Operations { get; init; }
}

/// <summary>
/// The analytics' one composition root, over any transport: builds the scheduler and the client where this process
/// hosts them and this process's workers, starts them, and stops them in one order.
/// </summary>
/// <remarks>
/// The in-process runtime hosts everything here; under MPI analytics rank 0 hosts the scheduler, the client and
/// maybe a worker, and every other analytics rank one worker. The shutdown is the same everywhere, and no step of
/// it waits longer than <see cref="AnalyticsSettings.ShutdownTimeout"/>: a loop stuck in a bug must not hang the job.
/// </remarks>
internal sealed class AnalyticsHost : IAsyncDisposable
{
    private readonly AnalyticsPlacement _placement;
    private readonly AnalyticsSettings _settings;
    private readonly SchedulerHost? _scheduler;
    private readonly WorkerHost[] _workers;
    private int _stopped;

    /// <summary>Builds the parts; nothing runs until <see cref="Start"/>, so a fault handler may use <see cref="Client"/>.</summary>
    /// <param name="transport">The transport every part talks over.</param>
    /// <param name="placement">Where the endpoints are, and which ones this process hosts.</param>
    /// <param name="settings">What the parts are built with.</param>
    /// <param name="onFault">Called once per loop that fails.</param>
    public AnalyticsHost(ITransport transport, AnalyticsPlacement placement, AnalyticsSettings settings, Action<Exception> onFault)
    {
        _placement = placement;
        _settings = settings;
        if (placement.HostsScheduler)
        {
            var state = new SchedulerState(placement.Client, placement.Workers, new SchedulerOptions
            {
                StoryCapacity = settings.StoryCapacity,
                Producers = placement.Producers,
                Mode = settings.Mode,
            });
            _scheduler = new SchedulerHost(transport.Open(placement.Scheduler), state, settings.ValidateScheduler, onFault);
        }

        _workers = [.. placement.LocalWorkers.Select(id =>
            new WorkerHost(transport.Open(id), placement.Scheduler, settings.ThreadsPerWorker, settings.ShutdownTimeout, onFault))];
        if (placement.HostsScheduler)
        {
            Client = new DeisaClient(
                transport.Open(placement.Client),
                placement.Scheduler,
                placement.Workers.Count,
                transport.CrossesProcesses,
                settings.Client,
                settings.Operations ?? OperationRegistry.Default);
        }
    }

    /// <summary>Gets the scheduler, where this process hosts it.</summary>
    public SchedulerHost? Scheduler => _scheduler;

    /// <summary>Gets the client, where this process hosts the scheduler.</summary>
    public DeisaClient? Client { get; }

    /// <summary>Gets the workers this process runs.</summary>
    public IReadOnlyList<WorkerHost> Workers => _workers;

    /// <summary>
    /// Gets the bytes the message loops of this rank's runtime (scheduler, workers, client) had allocated when each last
    /// emptied its mailbox; the user's code, the tasks and the transport's own threads are not counted.
    /// </summary>
    public long LoopsAllocatedBytes =>
        (_scheduler?.LoopAllocatedBytes ?? 0) + _workers.Sum(w => w.LoopAllocatedBytes) + (Client?.PumpAllocatedBytes ?? 0);

    /// <summary>Gets a task that completes once every worker of this process has been closed.</summary>
    public Task WorkersClosed => Task.WhenAll(_workers.Select(w => w.Completion));

    /// <summary>Starts the scheduler's loop and the workers'.</summary>
    public void Start()
    {
        _scheduler?.Start();
        foreach (WorkerHost worker in _workers)
        {
            worker.Start();
        }
    }

    /// <summary>Stops everything this process hosts, in the one shutdown order.</summary>
    /// <returns>A task that completes when every loop has stopped or was given up on.</returns>
    public ValueTask DisposeAsync() => StopAsync(null, null);

    /// <summary>
    /// Stops everything this process hosts: the scheduler after the messages already queued; then the client, whose
    /// waiting futures fail naming what the scheduler last knew of their keys; then <paramref name="beforeWorkers"/>;
    /// then every worker of the job is told to close (by the scheduler, where it runs here) and this process's workers
    /// are stopped; then the scheduler's mailbox. Only the first call does anything.
    /// </summary>
    /// <param name="fault">The failure that stopped the runtime, given to the futures that fail; null for a normal stop.</param>
    /// <param name="beforeWorkers">What to stop once the client is closed and before the workers (producers of this process).</param>
    /// <returns>A task that completes when every loop has stopped or was given up on.</returns>
    public async ValueTask StopAsync(Exception? fault, Action? beforeWorkers)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (_scheduler is not null)
        {
            // The scheduler's state is safe to read once its loop has ended: it tells each waiting future what its
            // key was waiting for.
            bool stopped = await Bounded(_scheduler.StopAsync()).ConfigureAwait(false);
            Client!.Close(key => stopped ? Describe(_scheduler.State.GetStatus(key)) : "the scheduler did not stop in time", fault);
            await Client.StopPumpAsync().ConfigureAwait(false);
        }

        beforeWorkers?.Invoke();
        if (_scheduler is not null)
        {
            foreach (EndpointId worker in _placement.Workers)
            {
                _scheduler.Mailbox.Send(worker, Close.Rent());
            }
        }

        foreach (WorkerHost worker in _workers)
        {
            await Bounded(worker.DisposeAsync().AsTask()).ConfigureAwait(false);
        }

        if (_scheduler is not null)
        {
            await Bounded(_scheduler.DisposeAsync().AsTask()).ConfigureAwait(false);
        }
    }

    /// <summary>Describes what a key the client still waits for was doing when the scheduler stopped.</summary>
    /// <param name="status">The key's state.</param>
    /// <returns>A phrase for the future's error.</returns>
    internal static string Describe(Scheduling.TaskStatus status) => status switch
    {
        Scheduling.TaskStatus.External => "external: its data never arrived",
        Scheduling.TaskStatus.Waiting => "waiting for dependencies",
        Scheduling.TaskStatus.Processing => "still running",
        Scheduling.TaskStatus.Forgotten => "unknown to the scheduler",
        _ => status.ToString().ToLowerInvariant(),
    };

    private async Task<bool> Bounded(Task stop) =>
        await Task.WhenAny(stop, Task.Delay(_settings.ShutdownTimeout)).ConfigureAwait(false) == stop;
}
