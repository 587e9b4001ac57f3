using Deisa.Core.Arrays;
using MathNet.Numerics.LinearAlgebra;

namespace Deisa.Tests.Ml;

/// <summary>Seeded batches with a chosen spectrum: Gaussian scores on random orthonormal axes, plus an offset.</summary>
internal static class PcaData
{
    public static NdArray[] Batches(int seed, int batches, int samples, int features, double[] spectrum, double noise = 0.01)
    {
        var random = new Random(seed);
        Matrix<double> basis = Matrix<double>.Build.Dense(features, features, (_, _) => Normal(random)).QR().Q;
        double[] scales = [.. Enumerable.Range(0, features).Select(i => i < spectrum.Length ? spectrum[i] : noise)];
        double[] offset = [.. Enumerable.Range(0, features).Select(_ => 3 * Normal(random))];
        var result = new NdArray[batches];
        for (int b = 0; b < batches; b++)
        {
            Matrix<double> scores = Matrix<double>.Build.Dense(samples, features, (_, j) => Normal(random) * scales[j]);
            Matrix<double> rows = scores * basis.Transpose();
            double[] data = new double[samples * features];
            for (int i = 0; i < samples; i++)
            {
                for (int j = 0; j < features; j++)
                {
                    data[(i * features) + j] = rows[i, j] + offset[j] + (0.1 * b);
                }
            }

            result[b] = new NdArray([samples, features], data);
        }

        return result;
    }

    /// <summary>Rows <paramref name="from"/> to <paramref name="to"/> (excluded) of a matrix.</summary>
    public static NdArray Rows(NdArray matrix, int from, int to)
    {
        int features = matrix.Shape[1];
        return new NdArray([to - from, features], matrix.Data.AsSpan(from * features, (to - from) * features).ToArray());
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
