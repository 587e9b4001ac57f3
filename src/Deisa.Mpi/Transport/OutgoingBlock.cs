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
