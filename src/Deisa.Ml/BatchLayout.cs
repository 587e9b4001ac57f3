using Deisa.Core.Arrays;

namespace Deisa.Ml;

/// <summary>
/// Where each element of an array lands in a step's batch matrix: one axis is the batch (time) axis, the others
/// are sample or feature axes, and a sample's (or feature's) index is row-major over its axes in the order given.
/// </summary>
/// <remarks>Travels as one integer array: rank, batch axis, samples, features, then a sample and a feature stride per axis.</remarks>
internal sealed class BatchLayout
{
    private BatchLayout(int batchAxis, int samples, int features, long[] sampleStrides, long[] featureStrides)
    {
        BatchAxis = batchAxis;
        Samples = samples;
        Features = features;
        SampleStrides = sampleStrides;
        FeatureStrides = featureStrides;
    }

    public int Rank => SampleStrides.Length;

    public int BatchAxis { get; }

    public int Samples { get; }

    public int Features { get; }

    /// <summary>Gets each axis's contribution to the sample index (0 for feature axes and the batch axis).</summary>
    public long[] SampleStrides { get; }

    /// <summary>Gets each axis's contribution to the feature index (0 for sample axes and the batch axis).</summary>
    public long[] FeatureStrides { get; }

    /// <summary>Builds the layout of an array whose axes are named <paramref name="dims"/>.</summary>
    /// <exception cref="ArgumentException">The names do not split the axes into one batch axis, samples and features.</exception>
    public static BatchLayout Create(IReadOnlyList<long> shape, IReadOnlyList<string> dims, IReadOnlyList<string> samples, IReadOnlyList<string> features)
    {
        string Listed(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
        if (dims.Count != shape.Count)
        {
            throw new ArgumentException($"dims names {dims.Count} axes ({Listed(dims)}) but the array has {shape.Count}.", nameof(dims));
        }

        if (dims.Distinct(StringComparer.Ordinal).Count() != dims.Count)
        {
            throw new ArgumentException($"dims repeats a name: {Listed(dims)}.", nameof(dims));
        }

        if (samples.Count == 0 || features.Count == 0)
        {
            throw new ArgumentException("Give at least one sample axis and one feature axis (for example samples: [\"X\"], features: [\"Y\"]).");
        }

        foreach (string name in samples.Concat(features))
        {
            if (!dims.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"'{name}' is not one of the array's axes ({Listed(dims)}).");
            }
        }

        if (samples.Intersect(features, StringComparer.Ordinal).FirstOrDefault() is { } both)
        {
            throw new ArgumentException($"'{both}' is given both as a sample axis and as a feature axis.");
        }

        string[] rest = [.. dims.Except(samples.Concat(features), StringComparer.Ordinal)];
        if (rest.Length != 1)
        {
            throw new ArgumentException(rest.Length == 0
                ? $"Every axis is a sample or a feature axis; one axis of {Listed(dims)} must be left for the batches (time)."
                : $"Axes {Listed(rest)} are neither samples nor features; exactly one axis (time) must be left for the batches.");
        }

        long[] sampleStrides = new long[shape.Count];
        long[] featureStrides = new long[shape.Count];
        long sampleCount = Strides(samples, dims, shape, sampleStrides);
        long featureCount = Strides(features, dims, shape, featureStrides);
        if (sampleCount > int.MaxValue || featureCount > int.MaxValue || sampleCount * featureCount > Array.MaxLength)
        {
            throw new ArgumentException($"A batch of {sampleCount} samples × {featureCount} features does not fit one matrix in memory; slice the array first.");
        }

        int batchAxis = IndexOf(dims, rest[0]);
        return new BatchLayout(batchAxis, (int)sampleCount, (int)featureCount, sampleStrides, featureStrides);
    }

    public long[] ToArgument() => [Rank, BatchAxis, Samples, Features, .. SampleStrides, .. FeatureStrides];

    public static BatchLayout FromArgument(ReadOnlySpan<long> values)
    {
        int rank = checked((int)values[0]);
        return values.Length == 4 + (2 * rank)
            ? new BatchLayout(checked((int)values[1]), checked((int)values[2]), checked((int)values[3]), values.Slice(4, rank).ToArray(), values.Slice(4 + rank, rank).ToArray())
            : throw new ArgumentException($"A batch layout of rank {rank} has {4 + (2 * rank)} values; {values.Length} were given.", nameof(values));
    }

    /// <summary>Describes one chunk of a step: where it starts, its shape, and the step's position in it along the batch axis.</summary>
    public static long[] BlockArgument(ReadOnlySpan<long> start, ReadOnlySpan<int> shape, long stepInChunk)
    {
        long[] values = new long[(2 * start.Length) + 1];
        start.CopyTo(values);
        for (int d = 0; d < shape.Length; d++)
        {
            values[start.Length + d] = shape[d];
        }

        values[^1] = stepInChunk;
        return values;
    }

    /// <summary>Copies one chunk's part of the step into the stacked matrix: sample s, feature f at a[(firstColumn + s) · features + f].</summary>
    public void Write(double[] stacked, int firstColumn, object? chunk, ReadOnlySpan<long> block, string what)
    {
        int rank = Rank;
        ReadOnlySpan<long> start = block[..rank];
        Span<int> shape = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
        {
            shape[d] = checked((int)block[rank + d]);
        }

        ReadOnlySpan<double> source = ChunkValues.AsDoubles(chunk, NdArray.ElementCount(shape), what);
        Span<long> sourceStrides = stackalloc long[rank];
        Span<long> targetStrides = stackalloc long[rank];
        long stride = 1;
        long origin = (long)firstColumn * Features;
        for (int d = rank - 1; d >= 0; d--)
        {
            sourceStrides[d] = stride;
            stride *= shape[d];
            targetStrides[d] = d == BatchAxis ? 0 : (SampleStrides[d] * Features) + FeatureStrides[d];
            origin += d == BatchAxis ? 0 : start[d] * targetStrides[d];
        }

        // Walk every position but the innermost axis, with the batch axis pinned to this step; copy a run per position.
        Span<int> index = stackalloc int[rank];
        Span<int> first = stackalloc int[rank];
        Span<int> last = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
        {
            first[d] = d == BatchAxis ? checked((int)block[^1]) : 0;
            last[d] = d == BatchAxis ? first[d] + 1 : shape[d];
            index[d] = first[d];
        }

        int inner = rank - 1;
        int run = last[inner] - first[inner];
        long innerTarget = targetStrides[inner];
        while (true)
        {
            long from = 0;
            long to = origin;
            for (int d = 0; d < rank; d++)
            {
                from += index[d] * sourceStrides[d];
                to += index[d] * targetStrides[d];
            }

            ReadOnlySpan<double> values = source.Slice(checked((int)from), run);
            if (innerTarget == 1)
            {
                values.CopyTo(stacked.AsSpan(checked((int)to), run));
            }
            else
            {
                for (int i = 0; i < run; i++)
                {
                    stacked[to + (i * innerTarget)] = values[i];
                }
            }

            int axis = inner - 1;
            while (axis >= 0 && ++index[axis] == last[axis])
            {
                index[axis] = first[axis];
                axis--;
            }

            if (axis < 0)
            {
                return;
            }
        }
    }

    private static long Strides(IReadOnlyList<string> group, IReadOnlyList<string> dims, IReadOnlyList<long> shape, long[] strides)
    {
        long count = 1;
        for (int g = group.Count - 1; g >= 0; g--)
        {
            int axis = IndexOf(dims, group[g]);
            strides[axis] = count;
            count *= shape[axis];
        }

        return count;
    }

    private static int IndexOf(IReadOnlyList<string> dims, string name)
    {
        for (int i = 0; i < dims.Count; i++)
        {
            if (string.Equals(dims[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
