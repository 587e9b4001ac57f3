using System.Diagnostics;
using Deisa.Mpi.Native;
using MpiUnsafe = MPI.Unsafe;

namespace Deisa.Heat2D.Simulation;

/// <summary>
/// Halo exchange over MPI on the simulation ranks' communicator: rows are contiguous, columns are one element of a
/// vector datatype (a column of the block, stride one row), so nothing is packed by hand. Global borders exchange
/// with <c>MPI_PROC_NULL</c> and keep their fixed values.
/// </summary>
/// <remarks>
/// All eight transfers are posted at once, then tested, yielding the core between tests once a short spin has not
/// completed them: a blocking MPI call spins at full speed, and with more ranks than cores (as on a laptop or this
/// project's 2-core CI machine) a spinning rank takes the core its neighbour needs to send what it waits for. On
/// dedicated cores the yield returns at once and the spin catches fast exchanges.
/// </remarks>
internal sealed unsafe class MpiHaloExchange : IHaloExchange, IDisposable
{
    private const int ToNorth = 1;
    private const int ToSouth = 2;
    private const int ToWest = 3;
    private const int ToEast = 4;
    private const int SpinTests = 64;

    private readonly int _comm;
    private readonly Decomposition _place;
    private readonly TimeSpan _timeout;
    private readonly int[] _requests = new int[8];
    private int _column;

    /// <param name="comm">The simulation ranks' communicator.</param>
    /// <param name="place">This rank's block in the grid.</param>
    /// <param name="timeout">How long one exchange may wait for the neighbours before the run fails.</param>
    public MpiHaloExchange(int comm, Decomposition place, TimeSpan timeout)
    {
        _comm = comm;
        _place = place;
        _timeout = timeout;
        int stride = place.BlockWidth + 2;
        Check(MpiUnsafe.MPI_Type_vector(place.BlockHeight, 1, stride, MpiUnsafe.MPI_DOUBLE, out _column), "MPI_Type_vector");
        Check(MpiUnsafe.MPI_Type_commit(ref _column), "MPI_Type_commit");
    }

    public void Exchange(HeatBlock block)
    {
        int rows = block.Rows;
        int cols = block.Cols;
        int stride = block.Stride;
        int north = Peer(_place.North);
        int south = Peer(_place.South);
        int west = Peer(_place.West);
        int east = Peer(_place.East);
        fixed (double* field = block.Current)
        {
            // Ghosts first, so that the neighbours' sends find their receives posted: the bottom ghost row from below
            // (which sends its first row north), the top one from above, the east ghost column from the east, the west one.
            Receive(field + ((rows + 1) * stride) + 1, cols, MpiUnsafe.MPI_DOUBLE, south, ToNorth, ref _requests[0]);
            Receive(field + 1, cols, MpiUnsafe.MPI_DOUBLE, north, ToSouth, ref _requests[1]);
            Receive(field + stride + cols + 1, 1, _column, east, ToWest, ref _requests[2]);
            Receive(field + stride, 1, _column, west, ToEast, ref _requests[3]);
            Send(field + stride + 1, cols, MpiUnsafe.MPI_DOUBLE, north, ToNorth, ref _requests[4]);
            Send(field + (rows * stride) + 1, cols, MpiUnsafe.MPI_DOUBLE, south, ToSouth, ref _requests[5]);
            Send(field + stride + 1, 1, _column, west, ToWest, ref _requests[6]);
            Send(field + stride + cols, 1, _column, east, ToEast, ref _requests[7]);
            WaitAll();
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

    private void Receive(double* buffer, int count, int type, int from, int tag, ref int request) =>
        Check(MpiUnsafe.MPI_Irecv((IntPtr)buffer, count, type, from, tag, _comm, out request), "MPI_Irecv");

    private void Send(double* buffer, int count, int type, int to, int tag, ref int request) =>
        Check(MpiUnsafe.MPI_Isend((IntPtr)buffer, count, type, to, tag, _comm, out request), "MPI_Isend");

    private void WaitAll()
    {
        long start = 0;
        for (int test = 0; ; test++)
        {
            bool done = true;
            for (int i = 0; i < _requests.Length; i++)
            {
                if (_requests[i] != MpiUnsafe.MPI_REQUEST_NULL)
                {
                    Check(MpiUnsafe.MPI_Test(ref _requests[i], out int flag, out MpiUnsafe.MPI_Status _), "MPI_Test");
                    done &= flag != 0;
                }
            }

            if (done)
            {
                return;
            }

            if (test < SpinTests)
            {
                continue;
            }

            if (start == 0)
            {
                start = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(start) > _timeout)
            {
                // MPI still owns the ghost rows of the pending receives: end the job here rather than unwind and let
                // the field move or be reused under them.
                MpiLibrary.AbortJob(
                    $"deisa-heat2d: simulation rank {_place.Rank}: the halo exchange waited {_timeout.TotalSeconds:0} s for its neighbours " +
                    $"(north {_place.North}, south {_place.South}, west {_place.West}, east {_place.East}; {Decomposition.None} is none): one of them stopped; ending the job.",
                    3);
            }

            Thread.Yield();
        }
    }
}
