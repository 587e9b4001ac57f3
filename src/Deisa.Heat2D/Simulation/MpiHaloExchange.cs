using MpiUnsafe = MPI.Unsafe;

namespace Deisa.Heat2D.Simulation;

/// <summary>
/// Halo exchange over MPI on the simulation ranks' communicator: rows are contiguous, columns are one element of a
/// vector datatype (a column of the block, stride one row), so nothing is packed by hand. Global borders exchange
/// with <c>MPI_PROC_NULL</c> and keep their fixed values.
/// </summary>
internal sealed unsafe class MpiHaloExchange : IHaloExchange, IDisposable
{
    private const int ToNorth = 1;
    private const int ToSouth = 2;
    private const int ToWest = 3;
    private const int ToEast = 4;

    private readonly int _comm;
    private readonly Decomposition _place;
    private int _column;

    public MpiHaloExchange(int comm, Decomposition place)
    {
        _comm = comm;
        _place = place;
        int stride = place.BlockWidth + 2;
        Check(MpiUnsafe.MPI_Type_vector(place.BlockHeight, 1, stride, MpiUnsafe.MPI_DOUBLE, out _column), "MPI_Type_vector");
        Check(MpiUnsafe.MPI_Type_commit(ref _column), "MPI_Type_commit");
    }

    public void Exchange(HeatBlock block)
    {
        int rows = block.Rows;
        int cols = block.Cols;
        int stride = block.Stride;
        fixed (double* field = block.Current)
        {
            // First interior row up, bottom ghost row from below; last interior row down, top ghost row from above.
            SendReceive(field + stride + 1, cols, MpiUnsafe.MPI_DOUBLE, Peer(_place.North), ToNorth, field + ((rows + 1) * stride) + 1, Peer(_place.South));
            SendReceive(field + (rows * stride) + 1, cols, MpiUnsafe.MPI_DOUBLE, Peer(_place.South), ToSouth, field + 1, Peer(_place.North));
            SendReceive(field + stride + 1, 1, _column, Peer(_place.West), ToWest, field + stride + cols + 1, Peer(_place.East));
            SendReceive(field + stride + cols, 1, _column, Peer(_place.East), ToEast, field + stride, Peer(_place.West));
        }
    }

    public void Dispose()
    {
        if (_column != MpiUnsafe.MPI_DATATYPE_NULL)
        {
            _ = MpiUnsafe.MPI_Type_free(ref _column);
        }
    }

    private static int Peer(int rank) => rank == Decomposition.None ? MpiUnsafe.MPI_PROC_NULL : rank;

    private static void Check(int code, string call)
    {
        if (code != MpiUnsafe.MPI_SUCCESS)
        {
            throw new InvalidOperationException($"{call} failed with MPI error {code} during the halo exchange.");
        }
    }

    private void SendReceive(double* send, int count, int type, int to, int tag, double* receive, int from)
    {
        Check(MpiUnsafe.MPI_Sendrecv((IntPtr)send, count, type, to, tag, (IntPtr)receive, count, type, from, tag, _comm, out MpiUnsafe.MPI_Status _), "MPI_Sendrecv");
    }
}
