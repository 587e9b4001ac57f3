using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Errors;

namespace Deisa.Core.Arrays;

/// <summary>A submitted <see cref="DeisaArray"/>: its chunks are being computed and kept on the workers until disposed.</summary>
/// <remarks>
/// Submit first, validate the contract, then ask for the result: an array that reads simulation data can only be
/// computed once the simulation knows what to ship.
/// </remarks>
public sealed class PersistedArray : IDisposable
{
    private readonly IReadOnlyList<Future> _futures;
    private readonly Func<object?[], NdArray> _assemble;
    private readonly long _interest;
    private int _disposed;

    internal PersistedArray(DeisaArray array, IReadOnlyList<Future> futures, Func<object?[], NdArray> assemble, long interest)
    {
        Array = array;
        _futures = futures;
        _assemble = assemble;
        _interest = interest;
    }

    /// <summary>Gets the array.</summary>
    public DeisaArray Array { get; }

    /// <summary>Gets one future per chunk, row-major over the chunk grid.</summary>
    public IReadOnlyList<Future> Chunks => _futures;

    /// <summary>Waits for every chunk and assembles the array, dense, on the client.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The values.</returns>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    public async Task<NdArray> GetResultAsync(CancellationToken cancellationToken = default)
    {
        object?[] values = await Array.Context.Client.GatherAsync(_futures, cancellationToken).ConfigureAwait(false);
        return _assemble(values);
    }

    /// <summary>Waits for every chunk and assembles the array, dense, on the client.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The values.</returns>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    /// <exception cref="DeisaTimeoutException">The values did not come in time.</exception>
    /// <exception cref="InvalidOperationException">The array reads simulation blocks and the contract was never validated, so it would never be computed.</exception>
    public NdArray Result(TimeSpan? timeout = null)
    {
        DeisaClient client = Array.Context.Client;
        foreach (Future chunk in _futures)
        {
            client.ThrowIfNeverComes(chunk.State);
        }

        TimeSpan limit = timeout ?? client.ResultTimeout;
        Task<NdArray> result = GetResultAsync();
        try
        {
            if (!result.Wait(limit))
            {
                int pending = _futures.Count(f => !f.IsCompleted);
                throw new DeisaTimeoutException(
                    $"{Array} was not computed within {limit.TotalSeconds:0.#} s ({pending} of its {_futures.Count} chunk(s) still pending, such as {_futures.First(f => !f.IsCompleted).Key}). " +
                    "If it reads simulation data, check that the simulation runs and ships what the contract asks; pass a longer timeout, or raise ClientOptions.ResultTimeout, for longer runs.");
            }
        }
        catch (AggregateException)
        {
            // GetResult below rethrows the original exception.
        }

        return result.GetAwaiter().GetResult();
    }

    /// <summary>Releases the chunks; their memory on the workers is freed once no pending task needs them, and the contract no longer asks for what only they read.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Future future in _futures)
        {
            future.Dispose();
        }

        if (_interest != 0)
        {
            Array.Context.Client.WithdrawInterest(_interest);
        }
    }
}
