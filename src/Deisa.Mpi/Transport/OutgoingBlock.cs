using System.Buffers;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Transport;
using Microsoft.Extensions.ObjectPool;

namespace Deisa.Mpi.Transport;

/// <summary>
/// A block to ship without copying: the producer's pinned memory and its layout. The MPI transport sends it as the
/// payload that follows a <see cref="Core.Protocol.PutExternal"/> header.
/// </summary>
/// <remarks>
/// <para>Contiguous blocks go as <see cref="DeferredPayload.Count"/> elements. A 2D interior inside a larger field
/// (ghost cells) goes as <see cref="Rows"/> rows of <see cref="Columns"/> elements, <see cref="Stride"/> elements
/// apart: the communication thread describes it with an MPI vector datatype, so nothing is copied.</para>
/// <para>Blocks are pooled, so that shipping one allocates nothing: each rental is a new <see cref="Version"/>, and
/// whoever keeps a block past its completion (a <see cref="Bridge.PublishHandle"/>, a pending send) asks about its
/// own version: a block completed and rented again is complete for every older version.</para>
/// </remarks>
internal sealed unsafe class OutgoingBlock : DeferredPayload, ILentValue
{
    private const int MaxRetained = 1024;

    // Blocks made ahead: a block goes back to the pool a moment after its producer sees it complete, so a producer
    // that ships at once again finds the pool empty until a few are in circulation.
    private const int Prepared = 32;
    private static readonly DefaultObjectPool<OutgoingBlock> s_pool = Prepare(new DefaultObjectPool<OutgoingBlock>(new Policy(), MaxRetained));

    // A monitor, not a Lock: waiters wait on it (Monitor.Wait) for the completion's pulse.
    private readonly object _gate = new();
    private MemoryHandle _pin;
    private byte[]? _owned;
    private IBlockOwner? _owner;
    private TaskCompletionSource? _task;

    // The version in the upper bits, 1 in the lowest once the send completed: one read says both.
    private long _state;
    private Exception? _error;
    private int _request;
    private int _testing;

    private OutgoingBlock()
        : base(ElementType.Float64, 0)
    {
    }

    /// <summary>Gets the layout's rows (1 for a contiguous block).</summary>
    public int Rows { get; private set; }

    /// <summary>Gets the elements per row.</summary>
    public int Columns { get; private set; }

    /// <summary>Gets the elements from one row to the next in the producer's memory.</summary>
    public int Stride { get; private set; }

    /// <summary>Gets the first element.</summary>
    public void* Pointer => _pin.Pointer;

    /// <summary>Gets whether the block is one run of memory.</summary>
    public bool IsContiguous => Rows == 1 || Stride == Columns;

    /// <summary>Gets the bytes of a block sent from a pooled buffer of its own (a copy), 0 for one sent from its producer's memory.</summary>
    public long OwnedBytes => _owned is null ? 0 : Bytes;

    /// <summary>Gets this rental's version.</summary>
    public long Version => Volatile.Read(ref _state) >> 1;

    /// <summary>Rents a contiguous block.</summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="count">The elements.</param>
    /// <param name="pin">The producer's memory, pinned; released at completion.</param>
    /// <param name="owner">Told when the send completes, or null.</param>
    /// <param name="owned">A pooled buffer the memory belongs to, returned to <see cref="BufferPool.Shared"/> at completion, or null.</param>
    /// <returns>The block.</returns>
    public static OutgoingBlock Rent(ElementType elementType, int count, MemoryHandle pin, IBlockOwner? owner = null, byte[]? owned = null) =>
        Rent(elementType, pin, 1, count, count, owner, owned);

    /// <summary>Rents a strided 2D block.</summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="pin">The producer's memory at the first element, pinned; released at completion.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="columns">The elements per row.</param>
    /// <param name="stride">The elements from one row to the next.</param>
    /// <param name="owner">Told when the send completes, or null.</param>
    /// <param name="owned">A pooled buffer the memory belongs to, returned at completion, or null.</param>
    /// <returns>The block.</returns>
    public static OutgoingBlock Rent(ElementType elementType, MemoryHandle pin, int rows, int columns, int stride, IBlockOwner? owner = null, byte[]? owned = null)
    {
        OutgoingBlock block = s_pool.Get();
        block.Reset(elementType, checked(rows * columns));
        block._pin = pin;
        block.Rows = rows;
        block.Columns = columns;
        block.Stride = stride;
        block._owner = owner;
        block._owned = owned;
        block._error = null;
        block._request = 0;
        Volatile.Write(ref block._state, ((block._state >> 1) + 1) << 1);
        return block;
    }

    /// <summary>
    /// Copies the block, row by row where it is strided, into a pooled array of its element type and completes it:
    /// what a transport that delivers within the process does (the in-process runtime's, or a rank that both
    /// publishes and works).
    /// </summary>
    /// <returns>The copy.</returns>
    public object CopyOut()
    {
        object copy = ElementType switch
        {
            ElementType.Float32 => Copy<float>(),
            ElementType.Int32 => Copy<int>(),
            ElementType.Int64 => Copy<long>(),
            _ => Copy<double>(),
        };
        Complete(null);
        return copy;
    }

    private PooledArray<T> Copy<T>()
        where T : unmanaged
    {
        var copy = PooledArray<T>.Rent(Count);
        Span<T> target = copy.Span;
        var first = (T*)Pointer;
        for (int row = 0; row < Rows; row++)
        {
            new ReadOnlySpan<T>(first + ((long)row * Stride), Columns).CopyTo(target.Slice(row * Columns, Columns));
        }

        return copy;
    }

    /// <summary>Gets whether the send of rental <paramref name="version"/> completed (or the block moved on to a later one).</summary>
    public bool IsDone(long version) => Volatile.Read(ref _state) != version << 1;

    /// <summary>Records the payload's send, posted; from then on <see cref="TryComplete"/> tests it.</summary>
    public void Posted(int request) => Volatile.Write(ref _request, request);

    /// <summary>
    /// Tests the payload's send once, unless another thread is testing it, and completes the block when the send is
    /// done. The communication thread calls it as it polls, and a producer waiting for its memory calls it too, so
    /// that the memory is back as soon as MPI says so, without a hop between the two threads.
    /// </summary>
    /// <param name="version">The rental the caller asks about.</param>
    /// <returns>Whether that rental is complete.</returns>
    public bool TryComplete(long version)
    {
        if (IsDone(version))
        {
            return true;
        }

        // MPI lets any thread test a request, but not two at once, and the request is freed once it completed.
        if (Interlocked.CompareExchange(ref _testing, 1, 0) != 0)
        {
            return false;
        }

        try
        {
            if (IsDone(version))
            {
                return true;
            }

            // Not posted yet: queued for the communication thread.
            int request = Volatile.Read(ref _request);
            if (request == 0 || !Native.MpiApi.Test(ref request))
            {
                return false;
            }

            _request = 0;
            Complete(null);
            return true;
        }
        finally
        {
            Volatile.Write(ref _testing, 0);
        }
    }

    /// <summary>Fails rental <paramref name="version"/> unless its send completed, after any thread testing it (shutdown).</summary>
    public void Fail(long version, Exception error)
    {
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _testing, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        try
        {
            if (!IsDone(version))
            {
                Complete(error);
            }
        }
        finally
        {
            Volatile.Write(ref _testing, 0);
        }
    }

    /// <summary>
    /// Marks the rental complete, then releases the memory, tells the owner and any waiter, and gives the block back to
    /// the pool; the first call of a rental does it, later ones (a failure after a completion) do nothing.
    /// </summary>
    /// <param name="error">Why the send failed, or null.</param>
    public void Complete(Exception? error)
    {
        long state = Volatile.Read(ref _state);
        if ((state & 1) != 0)
        {
            return;
        }

        _error = error;
        if (Interlocked.CompareExchange(ref _state, state | 1, state) != state)
        {
            return;
        }

        _pin.Dispose();
        long ownedBytes = OwnedBytes;
        if (_owned is { } owned)
        {
            _owned = null;
            BufferPool.Shared.Return(owned);
        }

        IBlockOwner? owner = _owner;
        _owner = null;
        TaskCompletionSource? task;
        lock (_gate)
        {
            task = _task;
            _task = null;
            Monitor.PulseAll(_gate);
        }

        if (error is null)
        {
            task?.TrySetResult();
        }
        else
        {
            task?.TrySetException(error);
        }

        owner?.Completed(ownedBytes, error);

        // Last: from here the block may be rented again, and whoever holds this rental finds it done.
        s_pool.Return(this);
    }

    /// <summary>Waits until rental <paramref name="version"/> completes, at most <paramref name="timeout"/>.</summary>
    /// <param name="version">The rental.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether it completed in time.</returns>
    /// <param name="failure">Why the send failed, while the block still holds that rental's outcome; else null.</param>
    public bool Wait(long version, TimeSpan timeout, out Exception? failure)
    {
        failure = null;
        if (!IsDone(version))
        {
            long deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
            lock (_gate)
            {
                while (!IsDone(version))
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0)
                    {
                        return false;
                    }

                    Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
                }
            }
        }

        failure = Failure(version);
        return true;
    }

    /// <summary>A task for rental <paramref name="version"/>, made only when asked for.</summary>
    /// <param name="version">The rental.</param>
    /// <returns>The task.</returns>
    public Task AsTask(long version)
    {
        lock (_gate)
        {
            if (IsDone(version))
            {
                return Failure(version) is { } error ? Task.FromException(error) : Task.CompletedTask;
            }

            _task ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _task.Task;
        }
    }

    /// <summary>Why rental <paramref name="version"/> failed, while the block has not moved on to another rental.</summary>
    private Exception? Failure(long version)
    {
        Exception? error = _error;
        return Volatile.Read(ref _state) == ((version << 1) | 1) ? error : null;
    }

    private static DefaultObjectPool<OutgoingBlock> Prepare(DefaultObjectPool<OutgoingBlock> pool)
    {
        for (int i = 0; i < Prepared; i++)
        {
            pool.Return(new OutgoingBlock());
        }

        return pool;
    }

    private sealed class Policy : PooledObjectPolicy<OutgoingBlock>
    {
        public override OutgoingBlock Create() => new();

        public override bool Return(OutgoingBlock obj) => true;
    }
}

/// <summary>What a shipped block tells the one who shipped it when its send completes.</summary>
internal interface IBlockOwner
{
    /// <summary>The send completed, or failed with <paramref name="error"/>.</summary>
    /// <param name="ownedBytes">The block's <see cref="OutgoingBlock.OwnedBytes"/>: what its completion gave back to the pool.</param>
    /// <param name="error">Why it failed, or null.</param>
    void Completed(long ownedBytes, Exception? error);
}
