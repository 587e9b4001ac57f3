using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Deisa.Ml.Numerics;

/// <summary>The fallback when no native LAPACK is found: MathNet.Numerics' managed provider.</summary>
internal sealed class ManagedLinearAlgebra : ILinearAlgebra
{
    public static ManagedLinearAlgebra Instance { get; } = new();

    public string Name => "managed (MathNet.Numerics)";

    public void Multiply(bool transposeA, bool transposeB, int m, int n, int k, double[] a, double[] b, double[] c)
    {
        (int rowsA, int colsA) = transposeA ? (k, m) : (m, k);
        (int rowsB, int colsB) = transposeB ? (n, k) : (k, n);
        LinearAlgebraControl.Provider.MatrixMultiplyWithUpdate(
            transposeA ? Transpose.Transpose : Transpose.DontTranspose,
            transposeB ? Transpose.Transpose : Transpose.DontTranspose,
            1.0,
            Exact(a, rowsA * colsA),
            rowsA,
            colsA,
            Exact(b, rowsB * colsB),
            rowsB,
            colsB,
            0.0,
            c);
    }

    public void Svd(int rows, int cols, double[] a, double[] s, double[]? u, double[] vt)
    {
        int min = Math.Min(rows, cols);
        Matrix<double> matrix = Matrix<double>.Build.Dense(rows, cols, Exact(a, rows * cols));
        Svd<double> svd = matrix.Svd(computeVectors: true);
        svd.S.AsArray().AsSpan(0, min).CopyTo(s);

        // MathNet returns the full U and Vᵀ; the thin parts are the first columns of U and the first rows of Vᵀ.
        if (u is not null)
        {
            svd.U.ToColumnMajorArray().AsSpan(0, rows * min).CopyTo(u);
        }

        Matrix<double> vtFull = svd.VT;
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < min; i++)
            {
                vt[(j * min) + i] = vtFull[i, j];
            }
        }
    }

    public void Orthonormalize(int rows, int cols, double[] a)
    {
        Matrix<double> matrix = Matrix<double>.Build.Dense(rows, cols, Exact(a, rows * cols));
        matrix.QR(QRMethod.Thin).Q.ToColumnMajorArray().AsSpan(0, rows * cols).CopyTo(a);
    }

    /// <summary>MathNet wants arrays of exactly the matrix's size.</summary>
    private static double[] Exact(double[] array, int length) => array.Length == length ? array : array[..length];
}
