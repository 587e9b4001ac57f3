using System.Numerics.Tensors;

namespace Deisa.Ml.Numerics;

/// <summary>The three ways to get the k leading singular triplets of the stacked matrix.</summary>
/// <remarks>
/// The matrix A is d×m, column-major: one column per row of scikit-learn's stacked matrix (previous components
/// scaled by their singular values, the centred batch, the mean correction), so its left singular vectors are the
/// principal axes and each is contiguous, ready to be a row of <c>components_</c>.
/// </remarks>
internal static class SvdSolvers
{
    /// <summary>Extra columns of the randomized sketch, as scikit-learn's randomized_svd uses.</summary>
    public const int RandomizedOversampling = 10;

    /// <summary>Full SVD (LAPACK dgesdd). Destroys <paramref name="a"/>.</summary>
    public static TruncatedSvd Full(ILinearAlgebra algebra, double[] a, int d, int m, int k)
    {
        int r = Math.Min(d, m);
        double[] s = new double[r];
        double[] vectors;
        if (m <= d)
        {
            double[] u = new double[d * r];
            double[] vt = new double[r * m];
            algebra.Svd(d, m, a, s, u, vt);
            vectors = u[..(d * k)];
        }
        else
        {
            // dgesdd is about 30% slower on a wide matrix than on its transpose (measured with OpenBLAS at
            // 1024 × 1027), so decompose the tall m×d matrix scikit-learn decomposes, and read its right vectors.
            double[] tall = Transpose(a, d, m);
            double[] u = GC.AllocateUninitializedArray<double>(m * r);
            double[] vt = GC.AllocateUninitializedArray<double>(r * d);
            algebra.Svd(m, d, tall, s, u, vt);
            vectors = new double[d * k];
            for (int f = 0; f < d; f++)
            {
                for (int i = 0; i < k; i++)
                {
                    vectors[(i * d) + f] = vt[(f * r) + i];
                }
            }
        }

        double discarded = 0;
        for (int i = k; i < r; i++)
        {
            discarded += s[i] * s[i];
        }

        return new TruncatedSvd(vectors, s[..k], discarded, 0, false);
    }

    /// <summary>Randomized SVD (Halko, Martinsson, Tropp 2011, algorithms 4.4 and 5.1). Keeps <paramref name="a"/>.</summary>
    public static TruncatedSvd Randomized(ILinearAlgebra algebra, double[] a, int d, int m, int k, int powerIterations, Random random)
    {
        int r = Math.Min(d, m);
        int l = Math.Min(k + RandomizedOversampling, r);
        double energy = TensorPrimitives.SumOfSquares<double>(a.AsSpan(0, d * m));

        // Y = A Ω, then (A Aᵀ)^q Y with a QR after every product: without it the columns collapse onto the first
        // singular vector in floating point (Halko et al., section 4.5).
        double[] omega = Gaussian(random, m * l);
        double[] y = new double[d * l];
        double[] z = new double[m * l];
        algebra.Multiply(false, false, d, l, m, a, omega, y);
        for (int q = 0; q < powerIterations; q++)
        {
            algebra.Orthonormalize(d, l, y);
            algebra.Multiply(true, false, m, l, d, a, y, z);
            algebra.Orthonormalize(m, l, z);
            algebra.Multiply(false, false, d, l, m, a, z, y);
        }

        algebra.Orthonormalize(d, l, y);

        // B = Qᵀ A is l×m; its transpose Z = Aᵀ Q = Uz S Vzᵀ gives B = Vz S Uzᵀ, so A's left vectors are Q Vz.
        algebra.Multiply(true, false, m, l, d, a, y, z);
        double[] s = new double[l];
        double[] uz = new double[m * l];
        double[] vtz = new double[l * l];
        algebra.Svd(m, l, z, s, uz, vtz);
        double[] vectors = new double[d * l];
        algebra.Multiply(false, true, d, l, l, y, vtz, vectors);
        return new TruncatedSvd(vectors[..(d * k)], s[..k], Discarded(energy, s, k), 0, false);
    }

    /// <summary>
    /// Block subspace iteration with a Rayleigh–Ritz step on both sides, until every one of the k leading Ritz
    /// triplets has a residual ‖A uᵢ − sᵢ vᵢ‖ within <paramref name="tolerance"/> × s₁; the full SVD otherwise.
    /// Keeps <paramref name="a"/> unless it falls back.
    /// </summary>
    /// <param name="algebra">The kernels.</param>
    /// <param name="a">The d×m matrix.</param>
    /// <param name="d">Rows.</param>
    /// <param name="m">Columns.</param>
    /// <param name="k">How many triplets.</param>
    /// <param name="warmColumns">How many leading columns of <paramref name="a"/> to start from: the previous
    /// components, scaled by their singular values, are the best guess of the new ones.</param>
    /// <param name="random">Fills the rest of the starting block.</param>
    /// <param name="tolerance">The relative residual at which a triplet counts as converged.</param>
    /// <param name="maxIterations">When to give up and run the full SVD.</param>
    public static TruncatedSvd LeadingK(ILinearAlgebra algebra, double[] a, int d, int m, int k, int warmColumns, Random random, double tolerance, int maxIterations)
    {
        int r = Math.Min(d, m);
        int b = Math.Min(r, k + Math.Max(8, k));
        if (b >= r)
        {
            // The block would span everything: the direct decomposition is as cheap and exact.
            return Full(algebra, a, d, m, k);
        }

        double energy = TensorPrimitives.SumOfSquares<double>(a.AsSpan(0, d * m));
        double[] q = Gaussian(random, d * b);
        a.AsSpan(0, d * Math.Min(warmColumns, k)).CopyTo(q);
        algebra.Orthonormalize(d, b, q);

        double[] w = new double[m * b];
        double[] s = new double[b];
        double[] uw = new double[m * b];
        double[] vtw = new double[b * b];
        double[] v = new double[d * b];
        double[] y = new double[d * b];
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            // Rayleigh–Ritz on span(Q): Aᵀ Q = Uw S Wᵀ gives Ritz triplets (Q W, S, Uw) of A.
            algebra.Multiply(true, false, m, b, d, a, q, w);
            algebra.Svd(m, b, w, s, uw, vtw);
            algebra.Multiply(false, true, d, b, b, q, vtw, v);

            // A uᵢ would be sᵢ vᵢ for an exact triplet; A Uw is also the next power step's block.
            algebra.Multiply(false, false, d, b, m, a, uw, y);
            if (Converged(y, v, s, d, k, tolerance * s[0]))
            {
                return new TruncatedSvd(v[..(d * k)], s[..k], Discarded(energy, s, k), iteration, false);
            }

            (q, y) = (y, q);
            algebra.Orthonormalize(d, b, q);
        }

        return Full(algebra, a, d, m, k) with { Iterations = maxIterations, FellBack = true };
    }

    /// <summary>The transpose of a column-major rows×cols matrix, by tiles that stay in cache.</summary>
    private static unsafe double[] Transpose(double[] a, int rows, int cols)
    {
        const int Tile = 32;
        double[] t = GC.AllocateUninitializedArray<double>(rows * cols);
        fixed (double* source = a, target = t)
        {
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int i0 = 0; i0 < rows; i0 += Tile)
                {
                    int i1 = Math.Min(rows, i0 + Tile);
                    for (int j = j0; j < j1; j++)
                    {
                        double* column = source + ((long)j * rows);
                        for (int i = i0; i < i1; i++)
                        {
                            target[j + ((long)i * cols)] = column[i];
                        }
                    }
                }
            }
        }

        return t;
    }

    private static bool Converged(double[] y, double[] v, double[] s, int d, int k, double limit)
    {
        for (int i = 0; i < k; i++)
        {
            ReadOnlySpan<double> av = y.AsSpan(i * d, d);
            ReadOnlySpan<double> vi = v.AsSpan(i * d, d);
            double residual = 0;
            for (int j = 0; j < d; j++)
            {
                double e = av[j] - (s[i] * vi[j]);
                residual += e * e;
            }

            if (!(Math.Sqrt(residual) <= limit))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The energy outside the k leading triplets, from the Frobenius norm; never negative from rounding.</summary>
    private static double Discarded(double energy, double[] s, int k)
    {
        double kept = 0;
        for (int i = 0; i < k; i++)
        {
            kept += s[i] * s[i];
        }

        return Math.Max(0, energy - kept);
    }

    private static double[] Gaussian(Random random, int count)
    {
        double[] values = new double[count];
        for (int i = 0; i < count; i += 2)
        {
            // Box–Muller: two independent standard normals from two uniforms in (0, 1].
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            double angle = 2 * Math.PI * random.NextDouble();
            values[i] = radius * Math.Cos(angle);
            if (i + 1 < count)
            {
                values[i + 1] = radius * Math.Sin(angle);
            }
        }

        return values;
    }
}
