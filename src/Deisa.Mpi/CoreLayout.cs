using System.Globalization;
using System.Numerics;
using Deisa.Mpi.Native;

namespace Deisa.Mpi;

/// <summary>
/// The cores of this rank's node as its ranks see them, gathered over the node at start-up: which decides whether the
/// communication thread may spin (<see cref="Transport.MpiTransportOptions.CoreSharing"/>).
/// </summary>
/// <remarks>
/// Each rank brings a compute thread and a communication thread. What matters is how many ranks compete for the cores
/// this one may run on, not how many the node holds: 16 ranks each bound to 4 cores of a 64-core node share nothing,
/// and 2 ranks on 2 unbound cores share both. So the ranks of a node exchange their affinity masks, and a rank counts
/// the ranks whose masks meet its own and the cores those masks cover together.
/// </remarks>
public sealed class CoreLayout
{
    private CoreLayout(int ranksOnNode, int coresOnNode, int cores, int ranksSharing, int coresShared)
    {
        RanksOnNode = ranksOnNode;
        CoresOnNode = coresOnNode;
        Cores = cores;
        RanksSharing = ranksSharing;
        CoresShared = coresShared;
    }

    /// <summary>Gets the MPI ranks on this rank's node (as <c>MPI_Comm_split_type</c> groups them), this one included.</summary>
    public int RanksOnNode { get; }

    /// <summary>Gets the cores the node's ranks may use between them (the union of their affinity masks).</summary>
    public int CoresOnNode { get; }

    /// <summary>Gets the cores this process may run on (its affinity mask: one under <c>-bind-to core</c>).</summary>
    public int Cores { get; }

    /// <summary>Gets the ranks of the node that may run on one of this rank's cores, this one included.</summary>
    public int RanksSharing { get; }

    /// <summary>Gets the cores those ranks may use between them: what their compute and communication threads compete for.</summary>
    public int CoresShared { get; }

    /// <summary>Gets whether the threads of the ranks that meet this one's cores outnumber those cores (two per rank).</summary>
    public bool ThreadsOutnumberCores => 2 * RanksSharing > CoresShared;

    /// <summary>The layout for one rank from the masks of every rank on its node.</summary>
    /// <param name="masks">Each rank's affinity mask, 64 CPUs per word, all of one length.</param>
    /// <param name="me">This rank's index in <paramref name="masks"/>.</param>
    internal static CoreLayout From(IReadOnlyList<ulong[]> masks, int me)
    {
        ulong[] mine = masks[me];
        ulong[] node = new ulong[mine.Length];
        ulong[] shared = new ulong[mine.Length];
        int sharing = 0;
        foreach (ulong[] mask in masks)
        {
            bool meets = false;
            for (int w = 0; w < mine.Length; w++)
            {
                node[w] |= mask[w];
                meets |= (mask[w] & mine[w]) != 0;
            }

            if (meets)
            {
                sharing++;
                for (int w = 0; w < mine.Length; w++)
                {
                    shared[w] |= mask[w];
                }
            }
        }

        return new CoreLayout(masks.Count, Count(node), Count(mine), sharing, Count(shared));
    }

    /// <summary>Gathers the masks of the ranks on this rank's node and works out the layout. Collective over <paramref name="node"/>, the node's communicator.</summary>
    internal static CoreLayout Gather(int node) => From(MpiApi.AllgatherMasks(node, Affinity.Mask()), MpiApi.CommRank(node));

    /// <summary>Says what this rank sees, for a start-up line: <c>16 ranks on the node's 64 cores; this one may use 4, alone</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string ranks = RanksOnNode == 1 ? "1 rank" : $"{RanksOnNode} ranks";
        string cores = Cores == CoresOnNode ? $"all {Cores}" : $"{Cores}";
        string with = RanksSharing switch
        {
            1 => "alone",
            2 => "shared with 1 other rank",
            _ => $"shared with {RanksSharing - 1} other ranks",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{ranks} on the node's {CoresOnNode} cores; this one may use {cores}, {with}");
    }

    private static int Count(ulong[] mask)
    {
        int count = 0;
        foreach (ulong word in mask)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }
}
