using Deisa.Core.Arrays;
using MathNet.Numerics.LinearAlgebra;

namespace Deisa.Bench.Ml;

/// <summary>The benchmark's two batches: from the files the scikit-learn script wrote, or generated alike.</summary>
internal static class IpcaBatches
{
    public const string DataVariable = "DEISA_IPCA_DATA";

    public static NdArray[] Load(string size, int samples, int features)
    {
        string? folder = Environment.GetEnvironmentVariable(DataVariable);
        if (!string.IsNullOrEmpty(folder))
        {
            return [.. Enumerable.Range(0, 2).Select(i => Read(Path.Combine(folder, size, $"batch_{i}.f64"), samples, features))];
        }

        return Generate(samples, features);
    }

    private static NdArray Read(string path, int samples, int features)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != samples * features * sizeof(double))
        {
            throw new InvalidDataException($"{path} holds {bytes.Length} bytes; a {samples}x{features} batch of doubles needs {samples * features * sizeof(double)}.");
        }

        double[] data = new double[samples * features];
        Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
        return new NdArray([samples, features], data);
    }

    /// <summary>Same spectrum as sklearn_ipca.py (σᵢ = 10·0.7ⁱ for 20 modes, noise 0.01), not the same draws.</summary>
    private static NdArray[] Generate(int samples, int features)
    {
        var random = new Random(42);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        Matrix<double> basis = Matrix<double>.Build.Dense(features, features, (_, _) => Normal()).QR().Q;
        double[] scales = [.. Enumerable.Range(0, features).Select(i => i < 20 ? 10 * Math.Pow(0.7, i) : 0.01)];
        double[] offset = [.. Enumerable.Range(0, features).Select(_ => 3 * Normal())];
        var batches = new NdArray[2];
        for (int b = 0; b < 2; b++)
        {
            Matrix<double> rows = Matrix<double>.Build.Dense(samples, features, (_, j) => Normal() * scales[j]) * basis.Transpose();
            double[] data = new double[samples * features];
            for (int i = 0; i < samples; i++)
            {
                for (int j = 0; j < features; j++)
                {
                    data[(i * features) + j] = rows[i, j] + offset[j];
                }
            }

            batches[b] = new NdArray([samples, features], data);
        }

        return batches;
    }
}
