using System.Threading.Tasks;
using Deisa.Core.Errors;

namespace Deisa.Mpi.Bridge;

/// <summary>The outcome of a publish: whether the block was shipped, and when its memory may be reused.</summary>
/// <remarks>
/// A shipped block is sent straight from the caller's memory: do not overwrite that memory until
/// <see cref="IsCompleted"/> is true or <see cref="Wait"/> returned (as with ADIOS2's deferred <c>Put</c>).
/// A block outside the contract costs nothing and is complete at once, as is a block published before the contract
/// arrived (<see cref="Staged"/>): it was copied aside.
/// </remarks>
public readonly struct PublishHandle
{
    private static readonly TimeSpan s_testWindow = TimeSpan.FromMilliseconds(2);

    private readonly Task? _sent;
    private readonly Transport.OutgoingBlock? _block;

    // What a failure names, kept as is and formatted only then: a publish allocates no text.
    private readonly Core.Graph.TaskKey _key;
    private readonly Core.Transport.EndpointId _to;

    internal PublishHandle(Task? sent, bool staged = false)
    {
        _sent = sent;
        Staged = staged;
    }

    internal PublishHandle(Task sent, Transport.OutgoingBlock block, Core.Graph.TaskKey key, Core.Transport.EndpointId to)
    {
        _sent = sent;
        _block = block;
        _key = key;
        _to = to;
    }

    /// <summary>Gets whether the block was in the contract and was sent.</summary>
    public bool Shipped => _sent is not null;

    /// <summary>
    /// Gets whether the block was published before this rank's contract arrived and copied aside: it is sent from the
    /// copy once the contract arrives, if the contract asks for it (see <see cref="DeisaMpiOptions.StagingBytesBeforeContract"/>).
    /// </summary>
    public bool Staged { get; }

    /// <summary>Gets whether the memory may be reused.</summary>
    public bool IsCompleted => _sent is null || _sent.IsCompleted || (_block?.TryComplete() ?? false);

    /// <summary>Blocks until the memory may be reused.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <exception cref="DeisaTimeoutException">The send did not complete in time.</exception>
    /// <exception cref="DeisaException">The send failed.</exception>
    public void Wait(TimeSpan timeout)
    {
        if (_sent is null)
        {
            return;
        }

        // The send usually completes within microseconds to a millisecond: test it here meanwhile, yielding the core
        // between tests, so that the memory is back as soon as MPI says so instead of after the communication
        // thread's next poll and a wake-up of this one (each 50 to 250 µs when ranks share cores). Then block.
        var spin = new SpinWait();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!_sent.IsCompleted && !(_block?.TryComplete() ?? false))
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(start) > s_testWindow || _block is null && spin.Count >= 20)
            {
                break;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }

        try
        {
            if (!_sent.Wait(timeout))
            {
                throw new DeisaTimeoutException($"Sending {_key} to {_to} did not complete within {timeout.TotalSeconds:0.#} s; is the analytics rank that receives it alive?");
            }
        }
        catch (AggregateException error) when (error.InnerException is not null)
        {
            throw new DeisaException($"Sending {_key} to {_to} failed: {error.InnerException.Message}", error.InnerException);
        }
    }

    /// <summary>Gets a task that completes when the memory may be reused.</summary>
    /// <returns>The task.</returns>
    public Task AsTask() => _sent ?? Task.CompletedTask;
}
