using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A reader of simulation blocks outside the window's task graph (a window callback) that must hold them from the
/// round that first reaches their steps: held in the same submission as the tasks that read them, the data cannot be
/// consumed and let go by those tasks before the reader holds it.
/// </summary>
internal interface ISourceClaim
{
    /// <summary>Gives the blocks of the steps below <paramref name="horizon"/> not claimed before, and marks them claimed.</summary>
    List<TaskKey> Claim(long horizon);

    /// <summary>Takes one future per key of the last <see cref="Claim"/>, in its order.</summary>
    void Take(List<TaskKey> keys, IReadOnlyList<Future> futures);

    /// <summary>The driver stopped: keys claimed and not yet taken will not be.</summary>
    void Fail(Exception error);
}
