using System.Threading.Tasks;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Core.Client;

/// <summary>A handle on the value of a key; while it is alive the value stays on its worker.</summary>
/// <remarks>
/// Dispose it when the value is no longer needed: the last future to a key releases the key, and the worker frees
/// the value as soon as no pending task needs it either. A future left to the garbage collector releases its key
/// from its finalizer, later. Values that are <see cref="Buffers.IRefCountedValue"/> stay valid until then.
/// </remarks>
public class Future : IDisposable
{
    private readonly DeisaClient _client;
    private int _disposed;

    internal Future(DeisaClient client, ClientKey state)
    {
        _client = client;
        State = state;
    }

    /// <summary>Finalizes the future, releasing its key if it was not disposed.</summary>
    ~Future()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.ReleaseFromFinalizer(State.Key);
        }
    }

    /// <summary>Gets the key.</summary>
    public TaskKey Key => State.Key;

    /// <summary>Gets what is known of the key.</summary>
    public FutureStatus Status => _client.GetStatus(State);

    /// <summary>Gets whether the key left <see cref="FutureStatus.Pending"/>.</summary>
    public bool IsCompleted => Status != FutureStatus.Pending;

    internal ClientKey State { get; }

    /// <summary>Waits for the value.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">The task or a dependency failed; the original exception is inside.</exception>
    /// <exception cref="RuntimeShutdownException">The runtime stopped first.</exception>
    /// <exception cref="ObjectDisposedException">The future was disposed.</exception>
    public Task<object?> GetResultAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _client.GetValueAsync(State, cancellationToken);
    }

    /// <summary>Blocks until the value is there.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">The task or a dependency failed.</exception>
    /// <exception cref="DeisaTimeoutException">The value did not come in time; the message says what the key waits for.</exception>
    /// <exception cref="InvalidOperationException">The value reads simulation blocks and the contract was never validated, so it would never come.</exception>
    public object? Result(TimeSpan? timeout = null) => WaitFor(GetResultAsync(), timeout);

    /// <summary>Waits for the key to leave <see cref="FutureStatus.Pending"/>, without fetching its value or throwing its error.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes with the status.</returns>
    /// <remarks>Without a token it allocates nothing: the task is the key's own, which a loop over steps may await per step.</remarks>
    public Task<FutureStatus> WaitAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.CanBeCanceled ? State.Done.Task.WaitAsync(cancellationToken) : State.Done.Task;

    /// <summary>A task that completes once every one of the futures left <see cref="FutureStatus.Pending"/>.</summary>
    internal static Task WhenAllDone(IReadOnlyList<Future> futures)
    {
        var done = new Task[futures.Count];
        for (int i = 0; i < done.Length; i++)
        {
            done[i] = futures[i].State.Done.Task;
        }

        return Task.WhenAll(done);
    }

    /// <summary>Disposes futures of one client, their releases in one message to the scheduler.</summary>
    internal static void DisposeAll(IReadOnlyList<Future> futures)
    {
        if (futures.Count > 0)
        {
            futures[0]._client.DisposeTogether(futures);
        }
    }

    /// <summary>Releases this future's hold on the key.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Formats as <c>Future(key, status)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"Future({Key}, {Status})";

    /// <summary>Releases the key once.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Release(State);
        }
    }

    private protected T WaitFor<T>(Task<T> task, TimeSpan? timeout)
    {
        _client.ThrowIfNeverComes(State);
        TimeSpan limit = timeout ?? _client.ResultTimeout;
        if (!WaitQuietly(task, limit))
        {
            throw new DeisaTimeoutException(
                $"The value of {State.Describe()} did not arrive within {limit.TotalSeconds:0.###} s (status {Status}). " +
                "If it depends on simulation data, check that the simulation runs and ships what the contract asks; pass a longer timeout, or raise ClientOptions.ResultTimeout, for longer runs.");
        }

        return task.GetAwaiter().GetResult();
    }

    private static bool WaitQuietly(Task task, TimeSpan limit)
    {
        try
        {
            return task.Wait(limit);
        }
        catch (AggregateException)
        {
            // Faulted: GetResult rethrows the original exception, not the aggregate.
            return true;
        }
    }
}
