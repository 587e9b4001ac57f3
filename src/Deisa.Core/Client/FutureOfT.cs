using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Deisa.Core.Errors;

namespace Deisa.Core.Client;

/// <summary>A handle on the value of a key, typed.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class Future<T> : Future
{
    internal Future(DeisaClient client, ClientKey state)
        : base(client, state)
    {
    }

    /// <summary>Waits for the value.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">The task or a dependency failed; the original exception is inside.</exception>
    /// <exception cref="InvalidCastException">The value is not a <typeparamref name="T"/>.</exception>
    public new async Task<T> GetResultAsync(CancellationToken cancellationToken = default)
    {
        object? value = await base.GetResultAsync(cancellationToken).ConfigureAwait(false);
        return value is T typed
            ? typed
            : value is null && default(T) is null
                ? default!
                : throw new InvalidCastException($"The value of {Key} is a {value?.GetType().Name ?? "null"}, not a {typeof(T).Name}.");
    }

    /// <summary>Blocks until the value is there.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">The task or a dependency failed.</exception>
    /// <exception cref="DeisaTimeoutException">The value did not come in time.</exception>
    /// <exception cref="InvalidOperationException">The value reads simulation blocks and the contract was never validated, so it would never come.</exception>
    public new T Result(TimeSpan? timeout = null) => WaitFor(GetResultAsync(), timeout);

    /// <summary>Lets <c>await future</c> give the value.</summary>
    /// <returns>The awaiter.</returns>
    public TaskAwaiter<T> GetAwaiter() => GetResultAsync().GetAwaiter();
}
