using System.Collections.Concurrent;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Client;

/// <summary>Puts data under external keys on chosen workers: the simulation's side of an external task.</summary>
/// <remarks>
/// A put hands the value to the runtime: do not modify it afterwards (use <see cref="PutCopyAsync{T}"/> to keep
/// your buffer). Each put is acknowledged by the scheduler; a key put twice, a key that is not external, or a key
/// already failed makes the put fail with <see cref="ExternalDataException"/>, and the data is dropped, never
/// overwriting the first value. With a bound on steps in flight (<see cref="RuntimeOptions.Backpressure"/>), a put
/// of a block of a declared array waits for room, or is dropped if the array was declared droppable under the Drop
/// policy (counted in <see cref="BlocksDropped"/>; what needs it errs saying so). Thread-safe.
/// </remarks>
public sealed class ExternalProducer : IDisposable
{
    private readonly Mailbox _mailbox;
    private readonly EndpointId _scheduler;
    private readonly IReadOnlyList<EndpointId> _workers;
    private readonly TaskCompletionSource<IReadOnlyList<ContractEntry>> _contract = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _pending = new();
    private readonly MailboxThread _pump;
    private readonly BackpressureOptions _backpressure;
    private readonly StepWindow? _window;
    private readonly ConcurrentDictionary<string, bool> _arrays = new(StringComparer.Ordinal);

    // Per open-ended array declared, the latest step put (-1 before any): what Finish reports as the run's end here.
    private readonly ConcurrentDictionary<string, int> _openLast = new(StringComparer.Ordinal);
    private readonly Lock _contractLock = new();
    private readonly Dictionary<string, ContractEntry> _current = new(StringComparer.Ordinal);
    private long _nextPutId;
    private long _blocksDropped;
    private volatile bool _disposed;

    internal ExternalProducer(Mailbox mailbox, EndpointId scheduler, IReadOnlyList<EndpointId> workers, TimeSpan timeout, BackpressureOptions backpressure)
    {
        _mailbox = mailbox;
        _scheduler = scheduler;
        _workers = workers;
        _timeout = timeout;
        backpressure.Validate();
        _backpressure = backpressure;
        _window = backpressure.Enabled ? new StepWindow(backpressure.MaxStepsInFlight, mailbox.Id.ToString()) : null;
        _pump = new MailboxThread(mailbox.Reader, $"deisa-{mailbox.Id}", Handle, Fail);
        _pump.Start();
    }

    /// <summary>Gets the producer's endpoint.</summary>
    public EndpointId Id => _mailbox.Id;

    /// <summary>Gets the number of workers data can be put on.</summary>
    public int WorkerCount => _workers.Count;

    /// <summary>Gets the number of blocks dropped because the bound on steps in flight was reached (policy Drop).</summary>
    public long BlocksDropped => Interlocked.Read(ref _blocksDropped);

    /// <summary>Gets the most steps this producer had in flight at once (0 without a bound).</summary>
    public int PeakStepsInFlight => _window?.PeakStepsInFlight ?? 0;

    /// <summary>Gets the time puts waited for room (policy Block).</summary>
    public TimeSpan Blocked => _window?.Waited ?? TimeSpan.Zero;

    /// <summary>Puts a value under an external key on a worker and waits for the scheduler to accept it.</summary>
    /// <param name="key">The external key.</param>
    /// <param name="value">The value; the runtime owns it from now on.</param>
    /// <param name="worker">The worker index, 0 to <see cref="WorkerCount"/> - 1.</param>
    /// <param name="cancellationToken">Stops waiting (the put still happens).</param>
    /// <returns>A task that completes once the scheduler recorded the data.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such worker.</exception>
    /// <exception cref="ExternalDataException">The scheduler refused the data (duplicate, not an external key, already failed).</exception>
    /// <exception cref="DeisaTimeoutException">No acknowledgement came in time.</exception>
    public async Task PutAsync(TaskKey key, object? value, int worker, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)worker >= (uint)_workers.Count)
        {
            ValueOwnership.Release(value);
            throw new ArgumentOutOfRangeException(nameof(worker), worker, $"There are {_workers.Count} workers, numbered from 0.");
        }

        if (key.IndexCount > 0 && _openLast.ContainsKey(key.Name))
        {
            _openLast.AddOrUpdate(key.Name, static (_, step) => step, static (_, last, step) => Math.Max(last, step), key[0]);
        }

        bool droppable = false;
        bool windowed = _window is not null && key.IndexCount > 0 && _arrays.TryGetValue(key.Name, out droppable);
        while (windowed && !_window!.TryShip(key[0]))
        {
            if (_window.IsClosed)
            {
                // Revoked or disposed: no bound any more; the scheduler decides what the put is worth.
                windowed = false;
                break;
            }

            if (_backpressure.Policy == BackpressurePolicy.Drop && droppable)
            {
                ValueOwnership.Release(value);
                Interlocked.Increment(ref _blocksDropped);
                _mailbox.Send(_scheduler, _window.DropNotice(key));
                return;
            }

            if (!await _window.WaitForRoomAsync(key[0], _backpressure.Timeout, cancellationToken).ConfigureAwait(false))
            {
                ValueOwnership.Release(value);
                throw new ObjectDisposedException(nameof(ExternalProducer), $"The producer was disposed while {key} waited for room in its window of steps in flight.");
            }
        }

        long id = Interlocked.Increment(ref _nextPutId);
        var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = acknowledged;
        PutExternal put = PutExternal.Rent();
        put.Key = key;
        put.Value = value;
        put.PutId = id;
        // Counted (TryShip) before sending: the worker's release may come back first.
        put.NotifyRelease = windowed;

        _mailbox.Send(_workers[worker], put);
        try
        {
            await acknowledged.Task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DeisaTimeoutException(
                $"The put of {key} on worker {worker} was not acknowledged within {_timeout.TotalSeconds:0.#} s; is the runtime alive?");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Copies <paramref name="data"/> into a pooled buffer and puts it under an external key.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="key">The external key.</param>
    /// <param name="data">The data; the caller may reuse its memory as soon as this method returns.</param>
    /// <param name="worker">The worker index.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes once the scheduler recorded the data.</returns>
    public Task PutCopyAsync<T>(TaskKey key, ReadOnlySpan<T> data, int worker, CancellationToken cancellationToken = default)
        where T : unmanaged => PutAsync(key, PooledArray<T>.CopyFrom(data), worker, cancellationToken);

    /// <summary>Puts a value under an external key and blocks until the scheduler accepts it.</summary>
    /// <param name="key">The external key.</param>
    /// <param name="value">The value; the runtime owns it from now on.</param>
    /// <param name="worker">The worker index.</param>
    public void Put(TaskKey key, object? value, int worker) => PutAsync(key, value, worker).GetAwaiter().GetResult();

    /// <summary>Declares the arrays this producer publishes, as a simulation rank does once at start-up.</summary>
    /// <param name="declarations">The declarations.</param>
    public void DeclareArrays(params ArrayDeclaration[] declarations) => DeclareArrays(droppable: false, declarations);

    /// <summary>Declares the arrays this producer publishes, as a simulation rank does once at start-up.</summary>
    /// <param name="droppable">Whether their steps may be dropped when the bound on steps in flight is reached (policy Drop).</param>
    /// <param name="declarations">The declarations.</param>
    public void DeclareArrays(bool droppable, params ArrayDeclaration[] declarations)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (ArrayDeclaration declaration in declarations)
        {
            _arrays[declaration.Name] = droppable;
            if (declaration.IsOpenEnded)
            {
                _openLast.TryAdd(declaration.Name, -1);
            }
        }

        DeclareArrays message = Protocol.DeclareArrays.Rent();
        message.Arrays.AddRange(declarations);
        _mailbox.Send(_scheduler, message);
    }

    /// <summary>Waits for this producer's contract: for each array, its block, the steps to ship and the worker.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The entries; empty if the contract was revoked before being sent.</returns>
    /// <exception cref="DeisaTimeoutException">No contract came in time.</exception>
    public async Task<IReadOnlyList<ContractEntry>> WaitForContractAsync(TimeSpan timeout)
    {
        try
        {
            return await _contract.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DeisaTimeoutException($"{Id} received no contract within {timeout.TotalSeconds:0.#} s; the analytics must call ValidateContract.");
        }
    }

    /// <summary>Gets the contract as it stands now: it grows and shrinks as the analytics persist and release computations.</summary>
    public IReadOnlyList<ContractEntry> CurrentContract
    {
        get
        {
            lock (_contractLock)
            {
                return [.. _current.Values];
            }
        }
    }

    /// <summary>Says this producer publishes nothing more, naming the contracted keys it never put.</summary>
    /// <param name="missing">The contracted keys not put.</param>
    /// <remarks>For an open-ended array (<see cref="ArrayDeclaration.OpenEnded"/>), this ends its run here: the latest
    /// step put is reported as its last, and no later step of it comes from this producer.</remarks>
    public void Finish(IEnumerable<TaskKey> missing)
    {
        ArgumentNullException.ThrowIfNull(missing);
        ProducerFinished message = ProducerFinished.Rent();
        message.Missing.AddRange(missing);
        foreach ((string array, int last) in _openLast)
        {
            message.LastSteps.Add((array, last));
        }

        _mailbox.Send(_scheduler, message);
    }

    /// <summary>Stops the producer; puts still waiting fail.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _window?.Close();
        _mailbox.StopAfterPump(_pump.Completion).GetAwaiter().GetResult();
        foreach (TaskCompletionSource pending in _pending.Values)
        {
            pending.TrySetException(new ObjectDisposedException(nameof(ExternalProducer), "The producer was disposed before the put was acknowledged."));
        }
    }

    internal void Fail(Exception error)
    {
        foreach (TaskCompletionSource pending in _pending.Values)
        {
            pending.TrySetException(error);
        }
    }

    private bool Handle(Message message)
    {
        if (message is ContractUpdate update)
        {
            lock (_contractLock)
            {
                // Each entry replaces what the contract said of its array.
                foreach (ContractEntry entry in update.Entries)
                {
                    _current[entry.Array] = entry;
                }

                if (update.Revoked)
                {
                    _current.Clear();
                }
            }

            _contract.TrySetResult(update.Revoked ? [] : [.. update.Entries]);
            if (update.Revoked)
            {
                _window?.Close();
            }
        }

        if (message is KeysReleased released && _window is not null)
        {
            foreach (TaskKey key in released.Keys)
            {
                _window.Released(key[0]);
            }
        }

        if (message is PutAck ack && _pending.TryRemove(ack.PutId, out TaskCompletionSource? pending))
        {
            if (ack.Error is null)
            {
                pending.TrySetResult();
            }
            else
            {
                pending.TrySetException(ack.Error.Exception ?? new ExternalDataException(ack.Key, ack.Error.Message));
            }
        }

        return true;
    }
}
