using System.Buffers;
using System.Threading.Tasks;
using Deisa.Core.Arrays;

namespace Deisa.Mpi.Transport;

/// <summary>
/// A block to ship without copying: the producer's pinned memory and its layout. The MPI transport sends it as the
/// payload that follows a <see cref="Core.Protocol.PutExternal"/> header.
/// </summary>
/// <remarks>
/// Contiguous blocks go as <see cref="DeferredPayload.Count"/> elements. A 2D interior inside a larger field
/// (ghost cells) goes as <see cref="Rows"/> rows of <see cref="Columns"/> elements, <see cref="Stride"/> elements
/// apart: the communication thread describes it with an MPI vector datatype, so nothing is copied.
/// </remarks>
internal sealed unsafe class OutgoingBlock : DeferredPayload
{
    private MemoryHandle _pin;
    private int _request;
    private int _testing;

    /// <summary>Creates a contiguous block.</summary>
    public OutgoingBlock(ElementType elementType, int count, MemoryHandle pin)
        : this(elementType, pin, 1, count, count)
    {
    }

    /// <summary>Creates a strided 2D block.</summary>
    public OutgoingBlock(ElementType elementType, MemoryHandle pin, int rows, int columns, int stride)
        : base(elementType, checked(rows * columns))
    {
        _pin = pin;
        Rows = rows;
        Columns = columns;
        Stride = stride;
    }

    public void* Pointer => _pin.Pointer;

    public int Rows { get; }

    public int Columns { get; }

    public int Stride { get; }

    public bool IsContiguous => Rows == 1 || Stride == Columns;

    /// <summary>Gets the signal that the memory may be reused.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records the payload's send, posted; from then on <see cref="TryComplete"/> tests it.</summary>
    public void Posted(int request) => Volatile.Write(ref _request, request);

    /// <summary>
    /// Tests the payload's send once, unless another thread is testing it, and completes the block when the send is
    /// done. The communication thread calls it as it polls, and a producer waiting for its memory calls it too, so
    /// that the memory is back as soon as MPI says so, without a hop between the two threads.
    /// </summary>
    /// <returns>Whether the block is complete.</returns>
    public bool TryComplete()
    {
        if (Completion.Task.IsCompleted)
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
            if (Completion.Task.IsCompleted)
            {
                return true;
            }

            // Not posted yet: queued for the communication thread.
            int request = Volatile.Read(ref _request);
            if (request == 0 || !Native.MpiApi.Test(ref request))
            {
                return false;
            }

            _request = request;
            Complete(null);
            return true;
        }
        finally
        {
            Volatile.Write(ref _testing, 0);
        }
    }

    /// <summary>Fails the block unless its send completed, waiting for a thread testing it to finish (shutdown).</summary>
    public void Fail(Exception error)
    {
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _testing, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        try
        {
            if (!Completion.Task.IsCompleted)
            {
                Complete(error);
            }
        }
        finally
        {
            Volatile.Write(ref _testing, 0);
        }
    }

    /// <summary>Releases the memory and signals the producer; called once the send completed or failed.</summary>
    public void Complete(Exception? error)
    {
        _pin.Dispose();
        if (error is null)
        {
            Completion.TrySetResult();
        }
        else
        {
            Completion.TrySetException(error);
        }
    }
}
