namespace Deisa.Ml.Numerics;

/// <summary>The k leading singular triplets of a matrix, as the PCA update needs them.</summary>
/// <param name="Vectors">The k leading left singular vectors, column-major d×k (each vector contiguous).</param>
/// <param name="Values">The k leading singular values, decreasing.</param>
/// <param name="DiscardedEnergy">The sum of the squares of the other singular values.</param>
/// <param name="Iterations">Subspace iterations run (0 for a direct decomposition).</param>
/// <param name="FellBack">Whether the leading-k solver gave up and the full SVD answered instead.</param>
internal readonly record struct TruncatedSvd(double[] Vectors, double[] Values, double DiscardedEnergy, int Iterations, bool FellBack);
