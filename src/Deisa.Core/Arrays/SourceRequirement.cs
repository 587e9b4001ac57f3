namespace Deisa.Core.Arrays;

/// <summary>
/// Part of what a computation reads of a simulation array: the steps, times the block positions, held compactly
/// (a selection of every 10th step of a quarter of the domain is a few intervals, however long the run).
/// </summary>
/// <param name="Array">The simulation array's name.</param>
/// <param name="Steps">The steps read.</param>
/// <param name="Blocks">For each spatial dimension, the block indices read: every block of the product is read at every step.</param>
public sealed record SourceRequirement(string Array, StepSet Steps, IReadOnlyList<StepSet> Blocks)
{
    /// <summary>Gets whether a block position is part of the requirement.</summary>
    /// <param name="block">The block's indices.</param>
    /// <returns>True when every one of its indices is among the blocks read along its dimension.</returns>
    public bool HasBlock(ReadOnlySpan<int> block)
    {
        for (int d = 0; d < block.Length; d++)
        {
            if (!Blocks[d].Contains(block[d]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The block positions of <paramref name="layout"/> (the array this requirement names) that it reads.</summary>
    internal IEnumerable<int[]> BlocksIn(ArrayLayout layout)
    {
        foreach (int producer in layout.Producers)
        {
            int[] block = [.. layout.BlockOf(producer)!];
            if (HasBlock(block))
            {
                yield return block;
            }
        }
    }

    /// <summary>Describes the requirement.</summary>
    /// <returns>The array, its steps and its blocks per dimension.</returns>
    public override string ToString() => $"{Array} steps {Steps} blocks ({string.Join(" x ", Blocks)})";
}
