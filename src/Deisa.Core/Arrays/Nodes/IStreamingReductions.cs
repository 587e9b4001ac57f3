using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>What a window driver knows of the reductions over time it runs step by step.</summary>
internal interface IStreamingReductions
{
    /// <summary>Gets the final key of a reduction over time's output chunk, which the driver emitted when its input ended.</summary>
    /// <param name="node">The reduction.</param>
    /// <param name="outChunk">The output chunk.</param>
    /// <returns>The key.</returns>
    /// <exception cref="InvalidOperationException">The reduction is not complete: a bug in the driver's order.</exception>
    TaskKey ResultOf(ReduceNode node, ReadOnlySpan<int> outChunk);
}
