using System.Threading.Tasks;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Client;
using Deisa.Core.Errors;

namespace Deisa.Core.Arrays;

/// <summary>A value a persisted <see cref="TimeFold"/> computes once its last step is done, such as a fitted model's attribute.</summary>
/// <remarks>Dispose every value of a fold to release it: nothing more of it is computed, and the contract no longer asks for what only it read.</remarks>
public class PersistedValue : IDisposable
{
    private readonly Task<object?> _value;
    private readonly Action _release;
    private readonly DeisaClient _client;
    private readonly bool _readsSimulation;
    private readonly Func<string> _describe;
    private int _disposed;

    internal PersistedValue(FoldValue value, FoldGroup group)
        : this(value.Key, value.Value, group.Release, group.Client, group.Interest != 0, () => $"{value.Root.Description}, {value.Root.Walker.Cursor} step(s) taken so far")
    {
        group.Add();
    }

    /// <summary>Wraps a future: the value is fetched once computed; disposing releases the future.</summary>
    internal PersistedValue(Future future, DeisaClient client, string description)
        : this(future.Key, Fetch(future), future.Dispose, client, false, () => description)
    {
    }

    private PersistedValue(Graph.TaskKey key, Task<object?> value, Action release, DeisaClient client, bool readsSimulation, Func<string> describe)
    {
        Key = key;
        _value = value;
        _release = release;
        _client = client;
        _readsSimulation = readsSimulation;
        _describe = describe;
    }

    /// <summary>Gets the key of the value.</summary>
    public Graph.TaskKey Key { get; }

    /// <summary>Gets whether the value is there (or failed).</summary>
    public bool IsCompleted => _value.IsCompleted;

    /// <summary>Waits for the value.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    public Task<object?> GetResultAsync(CancellationToken cancellationToken = default) => _value.WaitAsync(cancellationToken);

    /// <summary>Blocks until the value is there.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    /// <exception cref="DeisaTimeoutException">It did not come in time.</exception>
    /// <exception cref="InvalidOperationException">It reads simulation blocks and the contract was never validated, so it would never come.</exception>
    public object? Result(TimeSpan? timeout = null)
    {
        if (_readsSimulation)
        {
            _client.ThrowIfUnvalidated($"{Key} ({_describe()})");
        }

        TimeSpan limit = timeout ?? _client.ResultTimeout;
        Task<object?> value = _value;
        try
        {
            if (!value.Wait(limit))
            {
                throw new DeisaTimeoutException(
                    $"{Key} ({_describe()}) was not computed within {limit.TotalSeconds:0.#} s. " +
                    "If it reads simulation data, check that the simulation runs and ships what the contract asks; pass a longer timeout, or raise ClientOptions.ResultTimeout.");
            }
        }
        catch (AggregateException)
        {
            // Faulted: GetResult rethrows the original exception.
        }

        return value.GetAwaiter().GetResult();
    }

    /// <summary>Releases this value; the fold is released with the last of its values.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Gets this value as <typeparamref name="T"/>; disposing either disposes the value.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <returns>The typed view.</returns>
    public PersistedValue<T> As<T>() => new(this);

    /// <summary>Releases the value once.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _release();
        }
    }

    /// <summary>The value, which stays valid while the future holds its key: until this value is disposed.</summary>
    private static Task<object?> Fetch(Future future) => future.GetResultAsync();
}

/// <summary>A <see cref="PersistedValue"/> of a known type.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public sealed class PersistedValue<T> : IDisposable
{
    private readonly PersistedValue _value;

    internal PersistedValue(PersistedValue value)
    {
        _value = value;
    }

    /// <summary>Gets the key of the value.</summary>
    public Graph.TaskKey Key => _value.Key;

    /// <summary>Gets whether the value is there (or failed).</summary>
    public bool IsCompleted => _value.IsCompleted;

    /// <summary>Waits for the value.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidCastException">It is not a <typeparamref name="T"/>.</exception>
    public async Task<T> GetResultAsync(CancellationToken cancellationToken = default) => Cast(await _value.GetResultAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Blocks until the value is there.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="DeisaTimeoutException">It did not come in time.</exception>
    public T Result(TimeSpan? timeout = null) => Cast(_value.Result(timeout));

    /// <summary>Releases the value.</summary>
    public void Dispose() => _value.Dispose();

    private T Cast(object? value) => value is T typed
        ? typed
        : throw new InvalidCastException($"The value of {Key} is a {value?.GetType().Name ?? "null"}, not a {typeof(T).Name}.");
}
