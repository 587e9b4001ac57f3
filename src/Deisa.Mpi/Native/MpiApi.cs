using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using MpiUnsafe = MPI.Unsafe;

namespace Deisa.Mpi.Native;

/// <summary>
/// The raw MPI calls Deisa makes, each return code checked: MPI.NET's <c>MPI.Unsafe</c> where it has the function,
/// Deisa's own imports for the MPI-3 ones it lacks. Handles are MPICH-ABI integers.
/// </summary>
internal static unsafe partial class MpiApi
{
    public const int Success = 0;
    public const int AnySource = MpiUnsafe.MPI_ANY_SOURCE;
    public const int AnyTag = MpiUnsafe.MPI_ANY_TAG;
    public const int Byte = MpiUnsafe.MPI_BYTE;
    public const int Double = MpiUnsafe.MPI_DOUBLE;
    public const int Float = MpiUnsafe.MPI_FLOAT;
    public const int Int = MpiUnsafe.MPI_INT;
    public const int Long = MpiUnsafe.MPI_LONG_LONG;
    public const int CommWorld = MpiUnsafe.MPI_COMM_WORLD;
    public const int RequestNull = MpiUnsafe.MPI_REQUEST_NULL;
    public const int ErrorsReturn = MpiUnsafe.MPI_ERRORS_RETURN;
    public const int Undefined = MpiUnsafe.MPI_UNDEFINED;

    private const string Library = "msmpi.dll";

    /// <summary>Gets or sets the world rank, for error messages.</summary>
    public static int WorldRank { get; set; } = -1;

    public static void Check(int code, string operation, string hint)
    {
        if (code != Success)
        {
            throw new MpiException(operation, code, WorldRank, $"{operation} failed on world rank {WorldRank} with code {code} ({ErrorString(code)}): {hint}");
        }
    }

    /// <summary>As <see cref="Check(int, string, string)"/>, with a hint formatted only when the call failed: the calls
    /// on a block's path (a send, a receive) allocate nothing when they succeed.</summary>
    public static void Check(int code, string operation, [InterpolatedStringHandlerArgument(nameof(code))] ref FailureHint hint)
    {
        if (code != Success)
        {
            Check(code, operation, hint.ToStringAndClear());
        }
    }

    /// <summary>Formats its interpolated string only when the return code it is given is a failure.</summary>
    [InterpolatedStringHandler]
    public ref struct FailureHint
    {
        private DefaultInterpolatedStringHandler _text;

        public FailureHint(int literalLength, int formattedCount, int code, out bool failed)
        {
            failed = code != Success;
            _text = failed ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
        }

        public void AppendLiteral(string value) => _text.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

        public string ToStringAndClear() => _text.ToStringAndClear();
    }

    public static string ErrorString(int code)
    {
        byte[] text = new byte[MpiUnsafe.MPI_MAX_ERROR_STRING];
        int length = 0;
        return MpiUnsafe.MPI_Error_string(code, text, ref length) == Success ? Encoding.ASCII.GetString(text, 0, length) : "no description";
    }

    public static int CommRank(int comm)
    {
        Check(MpiUnsafe.MPI_Comm_rank(comm, out int rank), "MPI_Comm_rank", "reading this process's rank");
        return rank;
    }

    public static int CommSize(int comm)
    {
        Check(MpiUnsafe.MPI_Comm_size(comm, out int size), "MPI_Comm_size", "reading the communicator's size");
        return size;
    }

    public static int CommDup(int comm)
    {
        int copy = 0;
        Check(MpiUnsafe.MPI_Comm_dup(comm, out copy), "MPI_Comm_dup", "creating Deisa's private communicator (collective: every rank must call it)");
        return copy;
    }

    public static int CommSplit(int comm, int color, int key)
    {
        int split = 0;
        Check(MpiUnsafe.MPI_Comm_split(comm, color, key, out split), "MPI_Comm_split", "splitting the world into simulation and analytics (collective: every rank must call it)");
        return split;
    }

    public static void SetErrorsReturn(int comm) =>
        Check(MPI_Comm_set_errhandler(comm, ErrorsReturn), "MPI_Comm_set_errhandler", "asking MPI to return errors to Deisa rather than abort");

    public static int Isend(void* buffer, int count, int datatype, int dest, int tag, int comm)
    {
        int request = RequestNull;
        Check(MpiUnsafe.MPI_Isend((IntPtr)buffer, count, datatype, dest, tag, comm, out request), "MPI_Isend", $"sending {count} item(s) to rank {dest} (tag {tag})");
        return request;
    }

    public static int Irecv(void* buffer, int count, int datatype, int source, int tag, int comm)
    {
        int request = RequestNull;
        Check(MpiUnsafe.MPI_Irecv((IntPtr)buffer, count, datatype, source, tag, comm, out request), "MPI_Irecv", $"receiving {count} item(s) from rank {source} (tag {tag})");
        return request;
    }

    /// <summary>Tests a request; on completion the request becomes null.</summary>
    public static bool Test(ref int request)
    {
        int flag = 0;
        MpiUnsafe.MPI_Status status = default;
        Check(MpiUnsafe.MPI_Test(ref request, out flag, out status), "MPI_Test", "checking whether a send or receive completed");
        return flag != 0;
    }

    /// <summary>Probes for a message and, if one is there, takes it (matched probe), so no other receive can steal it.</summary>
    public static bool Improbe(int source, int tag, int comm, out int message, out ProbeStatus status)
    {
        int flag = 0;
        MpiUnsafe.MPI_Status raw = default;
        message = 0;
        Check(MPI_Improbe(source, tag, comm, &flag, ref message, &raw), "MPI_Improbe", "polling for incoming messages");
        status = default;
        if (flag == 0)
        {
            return false;
        }

        int count = 0;
        Check(MpiUnsafe.MPI_Get_count(ref raw, Byte, out count), "MPI_Get_count", "reading the size of an incoming message");
        status = new ProbeStatus(raw.MPI_SOURCE, raw.MPI_TAG, count);
        return true;
    }

    public static void Mrecv(void* buffer, int count, int datatype, ref int message)
    {
        MpiUnsafe.MPI_Status raw = default;
        Check(MPI_Mrecv((IntPtr)buffer, count, datatype, ref message, &raw), "MPI_Mrecv", $"receiving a probed message of {count} item(s)");
    }

    public static int TypeVector(int count, int blockLength, int stride, int oldType)
    {
        int type = 0;
        Check(MpiUnsafe.MPI_Type_vector(count, blockLength, stride, oldType, out type), "MPI_Type_vector", $"describing a {count}x{blockLength} block with stride {stride}");
        Check(MpiUnsafe.MPI_Type_commit(ref type), "MPI_Type_commit", "committing a block datatype");
        return type;
    }

    public static void TypeFree(ref int type) => Check(MpiUnsafe.MPI_Type_free(ref type), "MPI_Type_free", "freeing a block datatype");

    /// <summary>Starts sending one count to every rank and receiving one from each (collective, non-blocking).</summary>
    /// <remarks>Both arrays must stay pinned until the request completes.</remarks>
    public static int IalltoallCounts(long* counts, long* received, int comm)
    {
        int request = RequestNull;
        Check(MPI_Ialltoall(counts, 1, Long, received, 1, Long, comm, out request), "MPI_Ialltoall", "exchanging message counts at shutdown (collective: every rank must end its session)");
        return request;
    }

    public static void Barrier(int comm) => Check(MpiUnsafe.MPI_Barrier(comm), "MPI_Barrier", "waiting for every rank (collective)");

    public static void CommFree(ref int comm) => Check(MpiUnsafe.MPI_Comm_free(ref comm), "MPI_Comm_free", "freeing a communicator (collective)");

    public static void Abort(int comm, int code) => _ = MpiUnsafe.MPI_Abort(comm, code);

    /// <summary>Says why on standard error, then ends the whole job with <paramref name="code"/>.</summary>
    /// <param name="message">The line to print, naming the rank and the reason.</param>
    /// <param name="code">The job's exit code.</param>
    public static void AbortJob(string message, int code)
    {
        try
        {
            Console.Error.WriteLine(message);
            Console.Error.Flush();

            // The launcher forwards output asynchronously and stops once the abort kills the job: give it a moment,
            // or the one line that says why may be lost (seen under load).
            Thread.Sleep(200);
        }
        finally
        {
            Abort(CommWorld, code);
        }
    }

    /// <summary>The ranks of <paramref name="comm"/> that share this rank's node (collective): free it with <see cref="CommFree"/>.</summary>
    public static int SplitNode(int comm)
    {
        Check(MPI_Comm_split_type(comm, CommTypeShared, 0, MpiUnsafe.MPI_INFO_NULL, out int node), "MPI_Comm_split_type", "finding the ranks on this node (collective)");
        return node;
    }

    /// <summary>
    /// Gives every rank on the node the masks of all of them (collective over the node's communicator): each one's
    /// mask, padded to the longest, in node-rank order.
    /// </summary>
    public static ulong[][] AllgatherMasks(int node, ulong[] mine)
    {
        int size = CommSize(node);
        int words = mine.Length;
        int longest = 0;
        Check(MpiUnsafe.MPI_Allreduce((IntPtr)(&words), (IntPtr)(&longest), 1, Int, MpiUnsafe.MPI_MAX, node), "MPI_Allreduce", "agreeing on the size of the node's affinity masks (collective)");
        ulong[] padded = new ulong[longest];
        mine.CopyTo(padded, 0);
        ulong[] all = new ulong[longest * size];
        fixed (ulong* send = padded)
        fixed (ulong* receive = all)
        {
            Check(MpiUnsafe.MPI_Allgather((IntPtr)send, longest, Long, (IntPtr)receive, longest, Long, node), "MPI_Allgather", "sharing the affinity masks of the node's ranks (collective)");
        }

        ulong[][] masks = new ulong[size][];
        for (int r = 0; r < size; r++)
        {
            masks[r] = all.AsSpan(r * longest, longest).ToArray();
        }

        return masks;
    }

    /// <summary>Gives every rank of <paramref name="comm"/> one integer of each (collective), in rank order.</summary>
    public static int[] AllgatherInt(int comm, int mine)
    {
        int[] all = new int[CommSize(comm)];
        fixed (int* receive = all)
        {
            Check(MpiUnsafe.MPI_Allgather((IntPtr)(&mine), 1, Int, (IntPtr)receive, 1, Int, comm), "MPI_Allgather", "sharing one number per rank (collective)");
        }

        return all;
    }

    /// <summary>Gives every rank of <paramref name="comm"/> the text rank 0 passes (collective; the others pass anything).</summary>
    public static string BroadcastText(int comm, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        int length = bytes.Length;
        Check(MpiUnsafe.MPI_Bcast((IntPtr)(&length), 1, Int, 0, comm), "MPI_Bcast", "sharing a text's length (collective)");
        if (CommRank(comm) != 0)
        {
            bytes = new byte[length];
        }

        fixed (byte* buffer = bytes)
        {
            Check(MpiUnsafe.MPI_Bcast((IntPtr)buffer, length, Byte, 0, comm), "MPI_Bcast", "sharing a text (collective)");
        }

        return Encoding.UTF8.GetString(bytes);
    }

    [DllImport(Library, EntryPoint = "MPI_Comm_set_errhandler")]
    private static extern int MPI_Comm_set_errhandler(int comm, int errhandler);

    // MPICH's MPI_COMM_TYPE_SHARED (mpi.h), part of the ABI MpiLibrary checks.
    private const int CommTypeShared = 1;

    [DllImport(Library, EntryPoint = "MPI_Comm_split_type")]
    private static extern int MPI_Comm_split_type(int comm, int splitType, int key, int info, out int newComm);

    [DllImport(Library, EntryPoint = "MPI_Ialltoall")]
    private static extern int MPI_Ialltoall(void* sendBuffer, int sendCount, int sendType, void* receiveBuffer, int receiveCount, int receiveType, int comm, out int request);

    [DllImport(Library, EntryPoint = "MPI_Improbe")]
    private static extern int MPI_Improbe(int source, int tag, int comm, int* flag, ref int message, MpiUnsafe.MPI_Status* status);

    [DllImport(Library, EntryPoint = "MPI_Mrecv")]
    private static extern int MPI_Mrecv(IntPtr buffer, int count, int datatype, ref int message, MpiUnsafe.MPI_Status* status);
}

/// <summary>What a matched probe found.</summary>
/// <param name="Source">The sender's rank.</param>
/// <param name="Tag">The tag.</param>
/// <param name="Bytes">The message size in bytes.</param>
internal readonly record struct ProbeStatus(int Source, int Tag, int Bytes);
