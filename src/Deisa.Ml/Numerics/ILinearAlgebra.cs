namespace Deisa.Ml.Numerics;

/// <summary>
/// The dense kernels the PCA solvers need, on column-major matrices stored contiguously (leading dimension = rows),
/// as LAPACK lays them out.
/// </summary>
internal interface ILinearAlgebra
{
    /// <summary>Gets a short description for logs and benchmark tables.</summary>
    string Name { get; }

    /// <summary>C (m×n) = op(A) op(B), op(A) m×k, op(B) k×n.</summary>
    void Multiply(bool transposeA, bool transposeB, int m, int n, int k, double[] a, double[] b, double[] c);

    /// <summary>
    /// Thin SVD of the rows×cols matrix <paramref name="a"/>, which is destroyed: <paramref name="s"/> gets the
    /// min(rows, cols) singular values in decreasing order, <paramref name="u"/> the rows×min left vectors and
    /// <paramref name="vt"/> the min×cols right vectors, transposed.
    /// </summary>
    /// <remarks>With rows ≥ cols, <paramref name="u"/> may be null when only the right vectors are needed.</remarks>
    void Svd(int rows, int cols, double[] a, double[] s, double[]? u, double[] vt);

    /// <summary>Replaces the rows×cols matrix <paramref name="a"/> (rows ≥ cols) by the Q factor of its thin QR factorisation.</summary>
    void Orthonormalize(int rows, int cols, double[] a);
}
