using Deisa.Core.Transport;

namespace Deisa.Core.Arrays;

/// <summary>Part of a producer's contract: the steps of one array it must ship, and the worker they go to.</summary>
/// <param name="Array">The array's name.</param>
/// <param name="Block">This producer's block indices in the array's block grid (the last indices of its keys).</param>
/// <param name="Worker">The worker that receives every contracted step of this producer's block.</param>
/// <param name="Steps">The steps to ship, held compactly (a selection with a stride is one interval however long the run); empty when the analytics need none.</param>
public sealed record ContractEntry(string Array, int[] Block, EndpointId Worker, StepSet Steps)
{
    /// <summary>Describes the entry.</summary>
    /// <returns>The array, the block, the steps and the worker.</returns>
    public override string ToString() => $"{Array} block ({string.Join(", ", Block)}): steps {Steps} to {Worker}";
}
