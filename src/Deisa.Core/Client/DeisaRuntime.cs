using System.Threading.Tasks;
using Deisa.Core.Transport;

namespace Deisa.Core.Client;

/// <summary>A running Deisa runtime: scheduler, workers, client and producers wired over a transport.</summary>
/// <remarks>
/// <see cref="StartInProcess"/> starts everything in this process (threads stand in for ranks); the MPI runtime
/// hosts the same state machines on MPI ranks. Dispose it to stop: futures still waiting fail with a message
/// naming their keys and what the scheduler last knew of them.
/// </remarks>
public sealed class DeisaRuntime : IAsyncDisposable, IDisposable
{
    private readonly ITransport _transport;
    private readonly AnalyticsHost _host;
    private readonly EndpointId[] _workerIds;
    private readonly RuntimeOptions _options;
    private readonly List<ExternalProducer> _producers = [];
    private readonly Lock _lock = new();
    private int _nextProducer;
    private Exception? _fault;
    private int _disposed;

    private DeisaRuntime(ITransport transport, int workers, RuntimeOptions options)
    {
        _transport = transport;
        _options = options;
        _workerIds = [.. Enumerable.Range(0, workers).Select(EndpointId.Worker)];
        var placement = new AnalyticsPlacement(
            EndpointId.Scheduler(0),
            EndpointId.Client(0),
            _workerIds,
            [.. Enumerable.Range(0, options.SimulationRanks).Select(EndpointId.Producer)],
            HostsScheduler: true,
            LocalWorkers: _workerIds);
        _host = new AnalyticsHost(transport, placement, new AnalyticsSettings
        {
            ThreadsPerWorker = options.ThreadsPerWorker > 0 ? options.ThreadsPerWorker : Math.Max(1, Environment.ProcessorCount / workers),
            ShutdownTimeout = options.ShutdownTimeout,
            Client = options.Client,
            ValidateScheduler = options.ValidateScheduler,
            StoryCapacity = options.StoryCapacity,
            Mode = options.Mode,
            Operations = options.Operations,
        }, OnFault);
        Client = _host.Client!;
        _host.Start();
    }

    /// <summary>Gets the client, for the analytics.</summary>
    public DeisaClient Client { get; }

    /// <summary>Gets the number of workers.</summary>
    public int WorkerCount => _host.Workers.Count;

    /// <summary>Gets how the producers couple to the analytics (<see cref="RuntimeOptions.Mode"/>).</summary>
    public Arrays.CouplingMode Mode => _options.Mode;

    /// <summary>Gets the transport's name.</summary>
    public string TransportName => _transport.Name;

    /// <summary>Gets the failure that stopped the runtime, if one did.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Starts a runtime whose scheduler, workers and client all live in this process.</summary>
    /// <param name="workers">The number of workers.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <returns>The runtime.</returns>
    /// <exception cref="ArgumentException"><see cref="RuntimeOptions.Transport"/> names no in-process transport.</exception>
    public static DeisaRuntime StartInProcess(int workers = 2, RuntimeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        options ??= new RuntimeOptions();
        InProcessTransport transport = TransportNames.CreateInProcess(options.Transport, options.Operations, options.Values);
        return new DeisaRuntime(transport, workers, options);
    }

    /// <summary>Creates a producer that puts data under external keys, as a simulation rank does.</summary>
    /// <returns>The producer; dispose it when done. The first <see cref="RuntimeOptions.SimulationRanks"/> producers stand for simulation ranks 0, 1, ….</returns>
    public ExternalProducer CreateProducer()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_lock)
        {
            var producer = new ExternalProducer(_transport.Open(EndpointId.Producer(_nextProducer++)), EndpointId.Scheduler(0), _workerIds, _options.Client.RequestTimeout, _options.Backpressure);
            _producers.Add(producer);
            return producer;
        }
    }

    /// <summary>
    /// Opens the endpoint of the next producer for a producer built elsewhere (the simulation's Bridge, which works
    /// over this runtime as over MPI): the same numbering as <see cref="CreateProducer"/>.
    /// </summary>
    /// <param name="scheduler">The scheduler's endpoint, which the producer declares its arrays to.</param>
    /// <returns>The producer's mailbox and its rank among the producers.</returns>
    internal (Mailbox Mailbox, int Rank) OpenProducer(out EndpointId scheduler)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        scheduler = EndpointId.Scheduler(0);
        lock (_lock)
        {
            int rank = _nextProducer++;
            return (_transport.Open(EndpointId.Producer(rank)), rank);
        }
    }

    /// <summary>Gets how many values each worker holds; approximate while tasks run.</summary>
    /// <returns>One count per worker.</returns>
    public int[] GetStoredCounts() => _host.Workers.Select(w => w.State.StoredCount).ToArray();

    /// <summary>Gets the estimated bytes each worker holds (a running count, exact between tasks).</summary>
    /// <returns>One figure per worker.</returns>
    public long[] GetStoredBytes() => _host.Workers.Select(w => w.State.StoredBytes).ToArray();

    /// <summary>Gets how many keys the scheduler knows; approximate while it runs (a read of a count, not a lock).</summary>
    internal int SchedulerTaskCount => _host.Scheduler!.State.TaskCount;

    /// <summary>Stops the runtime; futures still waiting fail with the keys they waited for.</summary>
    /// <returns>A task that completes when every loop has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _host.StopAsync(Fault, () =>
        {
            foreach (ExternalProducer producer in _producers)
            {
                producer.Dispose();
            }
        }).ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the runtime, blocking.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void OnFault(Exception error)
    {
        if (Interlocked.CompareExchange(ref _fault, error, null) is not null)
        {
            return;
        }

        // A broken loop cannot be trusted to answer: fail whatever waits now rather than let it hang.
        Client.Close(_ => "the runtime failed", error);
        ExternalProducer[] producers;
        lock (_lock)
        {
            producers = [.. _producers];
        }

        foreach (ExternalProducer producer in producers)
        {
            producer.Fail(error);
        }
    }
}
