using System.Threading.Tasks;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Client;
using Deisa.Core.Errors;

namespace Deisa.Core.Arrays;

/// <summary>
/// A submitted <see cref="DeisaArray"/>: its chunks are computed a window of steps at a time as the simulation
/// ships them, each copied into the dense result as it completes and then let go.
/// </summary>
/// <remarks>
/// <para>Submit first, validate the contract, then ask for the result: an array that reads simulation data can only be
/// computed once the simulation knows what to ship. The steps can be read as they complete
/// (<see cref="GetTimeChunkAsync"/>), long before the whole result.</para>
/// <para>Memory: the tasks of the window (<see cref="ClientOptions.Lookahead"/>), and the dense result, which holds
/// what was asked for: an array over every step holds every step's values.</para>
/// <para>An open-ended array (<see cref="DeisaArray.IsOpenEnded"/>) streams its steps through
/// <see cref="GetTimeChunkAsync"/> as they complete; its result completes when the simulation finishes, with the steps
/// the run had (its time dimension's size then is their number). Its steps are kept for that result, one slab per
/// step, as a bounded array's are: for a long run, reduce over time, or slice a stride or a bounded range, rather than
/// keep every step.</para>
/// </remarks>
public sealed class PersistedArray : IDisposable
{
    private readonly WindowRoot _root;
    private readonly WindowDriver? _driver;
    private readonly long _interest;
    private int _disposed;

    internal PersistedArray(DeisaArray array, WindowRoot root, WindowDriver? driver, long interest)
    {
        Array = array;
        _root = root;
        _driver = driver;
        _interest = interest;
    }

    /// <summary>Gets the array.</summary>
    public DeisaArray Array { get; }

    /// <summary>Gets the number of chunks not computed and collected yet; for an open-ended array, of those the window has reached so far.</summary>
    public long PendingChunks => _root.Remaining;

    /// <summary>Waits for every chunk and gives the array, dense; for an open-ended array, once the run ended, with the steps it had.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The values.</returns>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    public Task<NdArray> GetResultAsync(CancellationToken cancellationToken = default) => _root.Result.WaitAsync(cancellationToken);

    /// <summary>Waits for every chunk and gives the array, dense.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The values.</returns>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    /// <exception cref="DeisaTimeoutException">The values did not come in time.</exception>
    /// <exception cref="InvalidOperationException">The array reads simulation blocks and the contract was never validated, so it would never be computed.</exception>
    public NdArray Result(TimeSpan? timeout = null)
    {
        TimeSpan limit = BeforeBlockingWait(timeout);
        if (!Wait(_root.Result, limit))
        {
            throw new DeisaTimeoutException(
                $"{Array} was not computed within {limit.TotalSeconds:0.#} s ({_root.Remaining} {(Array.IsOpenEnded ? "chunk(s) of the steps reached so far" : $"of its {Array.ChunkCount} chunk(s)")} still pending). " +
                (Array.IsOpenEnded ? "An open-ended array completes when the simulation finishes (every rank calls Finish). " : string.Empty) +
                "If it reads simulation data, check that the simulation runs and ships what the contract asks; pass a longer timeout, or raise ClientOptions.ResultTimeout, for longer runs.");
        }

        return _root.Result.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits for the chunks of one time chunk and gives their values: for an array with chunks of one step along time,
    /// the <paramref name="index"/>-th step along its time dimension, as soon as it is computed.
    /// </summary>
    /// <param name="index">The time chunk.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The values, the time dimension kept with the chunk's size (the whole array when it has no time dimension).</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such time chunk; for an open-ended array, also when the run ends before it.</exception>
    /// <exception cref="TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    public async Task<NdArray> GetTimeChunkAsync(int index, CancellationToken cancellationToken = default)
    {
        if ((uint)index >= (uint)_root.TimeCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, _root.IsOpen && _root.TimeCount == int.MaxValue
                ? $"{Array} is open-ended: time chunks are counted from 0."
                : $"{Array} has {_root.TimeCount} time chunk(s).");
        }

        await _root.WhenTimeChunkAsync(index).WaitAsync(cancellationToken).ConfigureAwait(false);
        return _root.TimeChunk(index);
    }

    /// <summary>Waits for the chunks of one time chunk and gives their values (see <see cref="GetTimeChunkAsync"/>).</summary>
    /// <param name="index">The time chunk.</param>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The values.</returns>
    /// <exception cref="DeisaTimeoutException">They did not come in time.</exception>
    public NdArray GetTimeChunk(int index, TimeSpan? timeout = null)
    {
        TimeSpan limit = BeforeBlockingWait(timeout);
        Task<NdArray> chunk = GetTimeChunkAsync(index);
        if (!Wait(chunk, limit))
        {
            throw new DeisaTimeoutException(
                $"Time chunk {index} of {Array} was not computed within {limit.TotalSeconds:0.#} s. " +
                "If it reads simulation data, check that the simulation runs and ships what the contract asks; pass a longer timeout, or raise ClientOptions.ResultTimeout.");
        }

        return chunk.GetAwaiter().GetResult();
    }

    /// <summary>Releases the array: nothing more of it is computed, what it held on the workers is freed, and the contract no longer asks for what only it read.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_driver is not null)
        {
            _driver.Remove(_root);
        }
        else
        {
            _root.Cancel();
        }

        if (_interest != 0)
        {
            Array.Context.Client.WithdrawInterest(_interest);
        }
    }

    private TimeSpan BeforeBlockingWait(TimeSpan? timeout)
    {
        DeisaClient client = Array.Context.Client;
        if (_interest != 0)
        {
            client.ThrowIfUnvalidated($"a chunk of {Array}");
        }

        return timeout ?? client.ResultTimeout;
    }

    private static bool Wait(Task task, TimeSpan limit)
    {
        try
        {
            return task.Wait(limit);
        }
        catch (AggregateException)
        {
            // Faulted: GetResult rethrows the original exception.
            return true;
        }
    }
}
