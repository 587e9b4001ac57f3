using System.Globalization;
using Deisa.Core.Buffers;

namespace Deisa.Core.Arrays;

/// <summary>Reads the value of a chunk, whatever numeric form it arrived in, for operations written outside Deisa.</summary>
public static class ChunkValues
{
    /// <summary>Reads a chunk's elements as doubles: without a copy for double data, converted otherwise.</summary>
    /// <param name="value">The chunk's value: an <see cref="NdArray"/>, an array or a <see cref="PooledArray{T}"/> of double, float, int or long.</param>
    /// <param name="expectedLength">The number of elements its shape says it has.</param>
    /// <param name="what">Names the chunk in error messages.</param>
    /// <returns>The elements, row-major.</returns>
    /// <exception cref="InvalidCastException">The value is not an array of numbers.</exception>
    /// <exception cref="InvalidOperationException">It does not have <paramref name="expectedLength"/> elements.</exception>
    public static ReadOnlySpan<double> AsDoubles(object? value, int expectedLength, string what)
    {
        ReadOnlySpan<double> data = value switch
        {
            NdArray array => array.Data,
            double[] array => array,
            PooledArray<double> pooled => pooled.Span,
            float[] array => Convert<float>(array),
            PooledArray<float> pooled => Convert<float>(pooled.Span),
            int[] array => Convert<int>(array),
            PooledArray<int> pooled => Convert<int>(pooled.Span),
            long[] array => Convert<long>(array),
            PooledArray<long> pooled => Convert<long>(pooled.Span),
            _ => throw new InvalidCastException($"{what} is a {value?.GetType().Name ?? "null"}, not an array of numbers."),
        };
        if (data.Length != expectedLength)
        {
            throw new InvalidOperationException($"{what} has {data.Length} elements where its shape says {expectedLength}.");
        }

        return data;
    }

    private static double[] Convert<T>(ReadOnlySpan<T> source)
        where T : unmanaged
    {
        double[] result = new double[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            result[i] = System.Convert.ToDouble(source[i], CultureInfo.InvariantCulture);
        }

        return result;
    }
}
