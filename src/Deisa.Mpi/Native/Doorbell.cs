using System.Runtime.InteropServices;

namespace Deisa.Mpi.Native;

/// <summary>
/// Wakes the communication thread of a rank of this node the moment a message is on its way to it, which MPI cannot
/// do: MPICH has no wait that does not spin, so a thread that sleeps between polls sees a message only at its next
/// poll (up to 250 µs later where cores are shared, 1 ms when idle), once per hop of a round trip.
/// </summary>
/// <remarks>
/// <para>Each rank of the node reads a named pipe of its own and holds the write end of every other's. A thread that
/// posts a send to a rank of the node writes one byte into that rank's pipe; the rank's own threads write into its own
/// when they queue a message. The communication thread sleeps in <c>ppoll</c> on its pipe, with its poll interval
/// as the timeout, so it still sees what comes from other nodes (no pipe reaches them) at the next poll.</para>
/// <para>The pipes are made in a fresh directory under the temporary path (<c>TMPDIR</c>) and the directory is
/// removed once every rank of the node opened them: nothing is left behind, even if the job dies. A rank whose pipe
/// cannot be made wakes on its own threads only (an anonymous pipe) and polls for the rest, as before; the start-up
/// line says how many ranks ring it (<see cref="Peers"/>).</para>
/// <para>The descriptors stay open for the life of the process (one MPI session per process): a ring that races the
/// end of the session must never write into a descriptor reused for something else.</para>
/// </remarks>
internal sealed unsafe partial class Doorbell
{
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;
    private const short PollIn = 1;
    private const uint OwnerReadWrite = 0x180;

    private readonly int _read;
    private readonly int _self;
    private readonly int[] _peers;

    private Doorbell(int read, int self, int[] peers, int ringing)
    {
        _read = read;
        _self = self;
        _peers = peers;
        Peers = ringing;
    }

    /// <summary>Gets how many other ranks of the node can wake this one (all of the node's others, unless a pipe could not be made).</summary>
    public int Peers { get; }

    /// <summary>Makes the node's pipes and opens them. Collective over <paramref name="node"/>, the node's communicator.</summary>
    /// <param name="node">The communicator of the ranks on this node.</param>
    /// <param name="worldRank">This rank in the world.</param>
    /// <param name="worldSize">The ranks of the world.</param>
    /// <returns>The doorbell.</returns>
    public static Doorbell Open(int node, int worldRank, int worldSize)
    {
        int[] members = MpiApi.AllgatherInt(node, worldRank);
        bool first = MpiApi.CommRank(node) == 0;
        string directory = string.Empty;
        if (first)
        {
            try
            {
                directory = Directory.CreateTempSubdirectory("deisa-").FullName;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"deisa: world rank {worldRank}: no directory for the node's wake-up pipes under {Path.GetTempPath()} ({error.Message}); the ranks will see each other's messages at their next poll.");
            }
        }

        directory = MpiApi.BroadcastText(node, directory);
        string Pipe(int rank) => Path.Combine(directory, rank.ToString(System.Globalization.CultureInfo.InvariantCulture));

        int read = -1;
        if (directory.Length > 0 && MakeFifo(Pipe(worldRank), OwnerReadWrite) == 0)
        {
            read = OpenFile(Pipe(worldRank), ReadOnly | NonBlocking | CloseOnExec);
        }

        // Every pipe has its reader before anyone opens it to write (a FIFO without a reader refuses a non-blocking writer).
        MpiApi.Barrier(node);
        int self;
        if (read >= 0)
        {
            // The rank's own writer, which also keeps the pipe from reading as closed (poll would never sleep).
            self = OpenFile(Pipe(worldRank), WriteOnly | NonBlocking | CloseOnExec);
        }
        else
        {
            int* ends = stackalloc int[2];
            Check(Pipe2(ends, NonBlocking | CloseOnExec), "creating the communication thread's wake-up pipe");
            read = ends[0];
            self = ends[1];
        }

        int[] peers = new int[worldSize];
        peers.AsSpan().Fill(-1);
        ulong[] holds = new ulong[(members.Length + 63) / 64];
        for (int m = 0; m < members.Length; m++)
        {
            if (members[m] != worldRank && directory.Length > 0)
            {
                peers[members[m]] = OpenFile(Pipe(members[m]), WriteOnly | NonBlocking | CloseOnExec);
                if (peers[members[m]] >= 0)
                {
                    holds[m / 64] |= 1UL << (m % 64);
                }
            }
        }

        // The ranks of the node that hold this one's pipe are the ones that can wake it.
        int me = Array.IndexOf(members, worldRank);
        int ringing = MpiApi.AllgatherMasks(node, holds).Count(mask => (mask[me / 64] & (1UL << (me % 64))) != 0);
        MpiApi.Barrier(node);
        if (first && directory.Length > 0)
        {
            // The descriptors outlive their names.
            Directory.Delete(directory, recursive: true);
        }

        return new Doorbell(read, self, peers, ringing);
    }

    /// <summary>Wakes this rank's communication thread (from one of its own threads).</summary>
    public void RingSelf() => Write(_self);

    /// <summary>Wakes the communication thread of <paramref name="rank"/> if it is on this node; does nothing otherwise.</summary>
    /// <param name="rank">The world rank a send was just posted to.</param>
    public void Ring(int rank)
    {
        int pipe = _peers[rank];
        if (pipe >= 0)
        {
            Write(pipe);
        }
    }

    /// <summary>Sleeps until the doorbell rings or <paramref name="timeout"/> passes.</summary>
    /// <param name="timeout">The longest to sleep.</param>
    /// <returns>True if it rang (the rings are then cleared).</returns>
    public bool Wait(TimeSpan timeout)
    {
        long nanoseconds = Math.Max(0, (long)(timeout.TotalMicroseconds * 1000));
        var limit = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        var wait = new PollFd { Descriptor = _read, Events = PollIn };
        if (Ppoll(&wait, 1, &limit, null) <= 0)
        {
            return false;
        }

        // Clear every ring at once: one wake-up serves all the messages that came meanwhile.
        byte* sink = stackalloc byte[256];
        while (Read(_read, sink, 256) == 256)
        {
        }

        return true;
    }

    private static void Write(int pipe)
    {
        // A full pipe (EAGAIN) has rings enough to wake its reader: nothing to do then, nor on any other failure,
        // which costs only the latency of the next poll.
        byte ring = 1;
        _ = WriteFile(pipe, &ring, 1);
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"World rank {MpiApi.WorldRank} failed {what}: error {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* ends, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteFile(int descriptor, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int descriptor, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "ppoll", SetLastError = true)]
    private static partial int Ppoll(PollFd* descriptors, nuint count, TimeSpec* timeout, void* signals);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Descriptor;
        public short Events;
        public short Returned;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
