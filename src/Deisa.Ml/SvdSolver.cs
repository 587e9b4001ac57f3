namespace Deisa.Ml;

/// <summary>How <see cref="InSituIncrementalPCA"/> decomposes each step's stacked matrix.</summary>
public enum SvdSolver
{
    /// <summary>
    /// Computes the k leading singular triplets only, by block subspace iteration warm-started from the previous
    /// components and run until every residual is at rounding level; the discarded energy comes from the Frobenius
    /// norm. Gives <see cref="Full"/>'s results to about 1e-10 at a fraction of its cost; falls back to
    /// <see cref="Full"/> for a step whose spectrum does not let it converge.
    /// </summary>
    LeadingK,

    /// <summary>A complete SVD of the stacked matrix (LAPACK dgesdd), as scikit-learn's IncrementalPCA does.</summary>
    Full,

    /// <summary>
    /// Randomized SVD after Halko, Martinsson and Tropp: a Gaussian sketch with 10 extra columns, power iterations
    /// with re-orthonormalisation. Approximate: close to <see cref="Full"/> on fields with a clear spectral gap.
    /// </summary>
    Randomized,
}
