using System.Diagnostics;
using System.Threading.Tasks;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Transport;
using Deisa.Mpi.Transport;

namespace Deisa.Mpi.Bridge;

/// <summary>The outcome of a publish: whether the block was shipped, and when its memory may be reused.</summary>
/// <remarks>
/// A shipped block is sent straight from the caller's memory: do not overwrite that memory until
/// <see cref="IsCompleted"/> is true or <see cref="Wait"/> returned (as with ADIOS2's deferred <c>Put</c>).
/// A block outside the contract costs nothing and is complete at once, as is a block published before the contract
/// arrived (<see cref="Staged"/>) or sent from a copy (<see cref="Copied"/>).
/// </remarks>
public readonly struct PublishHandle
{
    private static readonly TimeSpan s_testWindow = TimeSpan.FromMilliseconds(2);

    // The shipped block's rental: the block is pooled, and this handle asks about its own rental only.
    private readonly OutgoingBlock? _block;
    private readonly long _version;

    // What a failure names, kept as is and formatted only then: a publish allocates nothing.
    private readonly TaskKey _key;
    private readonly EndpointId _to;

    internal PublishHandle(bool staged = false, bool copied = false)
    {
        Staged = staged;
        Copied = copied;
    }

    internal PublishHandle(OutgoingBlock block, long version, TaskKey key, EndpointId to)
    {
        _block = block;
        _version = version;
        _key = key;
        _to = to;
    }

    /// <summary>Gets whether the block was in the contract and was sent (from the caller's memory, or from a copy).</summary>
    public bool Shipped => _block is not null || Copied;

    /// <summary>
    /// Gets whether the block was sent from a copy, its memory the caller's again at once: what
    /// <see cref="DeisaMpiOptions.CopyBudgetBytes"/> allows while the analytics rank has not received the blocks before it.
    /// </summary>
    public bool Copied { get; }

    /// <summary>
    /// Gets whether the block was published before this rank's contract arrived and copied aside: it is sent from the
    /// copy once the contract arrives, if the contract asks for it (see <see cref="DeisaMpiOptions.StagingBytesBeforeContract"/>).
    /// </summary>
    public bool Staged { get; }

    /// <summary>Gets whether the memory may be reused.</summary>
    public bool IsCompleted => _block is null || _block.TryComplete(_version);

    /// <summary>Blocks until the memory may be reused.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <exception cref="DeisaTimeoutException">The send did not complete in time.</exception>
    /// <exception cref="DeisaException">The send failed.</exception>
    public void Wait(TimeSpan timeout)
    {
        if (_block is null)
        {
            return;
        }

        // The send usually completes within microseconds to a millisecond: test it here meanwhile, yielding the core
        // between tests, so that the memory is back as soon as MPI says so instead of after the communication
        // thread's next poll and a wake-up of this one (each 50 to 250 µs when ranks share cores). Then block.
        var spin = new SpinWait();
        long start = Stopwatch.GetTimestamp();
        while (!_block.TryComplete(_version) && Stopwatch.GetElapsedTime(start) < s_testWindow)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (!_block.Wait(_version, timeout, out Exception? failure))
        {
            throw new DeisaTimeoutException($"Sending {_key} to {_to} did not complete within {timeout.TotalSeconds:0.#} s; is the analytics rank that receives it alive?");
        }

        if (failure is not null)
        {
            throw new DeisaException($"Sending {_key} to {_to} failed: {failure.Message}", failure);
        }
    }

    /// <summary>Gets a task that completes when the memory may be reused.</summary>
    /// <returns>The task (made when asked for: <see cref="Wait"/> and <see cref="IsCompleted"/> allocate nothing).</returns>
    public Task AsTask() => _block?.AsTask(_version) ?? Task.CompletedTask;
}
