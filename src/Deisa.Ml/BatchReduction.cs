namespace Deisa.Ml;

/// <summary>How an in-transit fit combines its batches.</summary>
public enum BatchReduction
{
    /// <summary>One update per step, in order: exactly scikit-learn's sequence of partial fits; each step waits for the previous one.</summary>
    Sequential,

    /// <summary>
    /// Each step fitted alone, then the states merged pairwise in a balanced tree: steps run in parallel on the
    /// workers, at the price of truncating to k components at every leaf and merge.
    /// </summary>
    Tree,
}
