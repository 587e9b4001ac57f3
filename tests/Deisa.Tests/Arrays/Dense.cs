using Deisa.Core.Arrays;

namespace Deisa.Tests.Arrays;

/// <summary>A reference implementation on whole arrays, with plain loops, independent of chunks and kernels.</summary>
internal static class Dense
{
    public static NdArray Slice(NdArray a, (long Start, long Count, long Step, bool Drop)[] selection)
    {
        int rank = a.Rank;
        int[] fullShape = [.. selection.Select(s => (int)s.Count)];
        int[] outShape = [.. selection.Where(s => !s.Drop).Select(s => (int)s.Count)];
        double[] result = new double[NdArray.ElementCount(fullShape)];
        int i = 0;
        foreach (int[] position in Positions(fullShape))
        {
            int[] source = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                source[d] = (int)(selection[d].Start + (position[d] * selection[d].Step));
            }

            result[i++] = a[source];
        }

        return new NdArray(outShape, result);
    }

    /// <summary>Joins two arrays along an axis.</summary>
    public static NdArray Concatenate(NdArray a, NdArray b, int axis)
    {
        int[] shape = [.. a.Shape];
        shape[axis] += b.Shape[axis];
        var result = new NdArray(shape, new double[NdArray.ElementCount(shape)]);
        int i = 0;
        foreach (int[] position in Positions(shape))
        {
            int[] at = (int[])position.Clone();
            bool first = at[axis] < a.Shape[axis];
            if (!first)
            {
                at[axis] -= a.Shape[axis];
            }

            result.Data[i++] = first ? a[at] : b[at];
        }

        return result;
    }

    public static NdArray Map(NdArray a, Func<double, double> f) => new(a.Shape, [.. a.Data.Select(f)]);

    public static NdArray Zip(NdArray a, NdArray b, Func<double, double, double> f) => new(a.Shape, [.. a.Data.Zip(b.Data, f)]);

    public static NdArray Reduce(NdArray a, Reduction reduction, bool[] reduced)
    {
        int[] outShape = [.. Enumerable.Range(0, a.Rank).Where(d => !reduced[d]).Select(d => a.Shape[d])];
        var groups = new Dictionary<string, List<double>>();
        var order = new List<string>();
        foreach (int[] position in Positions(a.Shape))
        {
            string id = string.Join(",", Enumerable.Range(0, a.Rank).Where(d => !reduced[d]).Select(d => position[d]));
            if (!groups.TryGetValue(id, out List<double>? values))
            {
                groups[id] = values = [];
                order.Add(id);
            }

            values.Add(a[position]);
        }

        double[] result = new double[NdArray.ElementCount(outShape)];
        int i = 0;
        foreach (int[] position in Positions(outShape))
        {
            List<double> values = groups[string.Join(",", position)];
            double mean = values.Average();
            double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
            result[i++] = reduction switch
            {
                Reduction.Sum => values.Sum(),
                Reduction.Mean => mean,
                Reduction.Min => values.Min(),
                Reduction.Max => values.Max(),
                Reduction.Var => variance,
                _ => Math.Sqrt(variance),
            };
        }

        return new NdArray(outShape, result);
    }

    public static NdArray Diff(NdArray a, int axis)
    {
        int[] outShape = (int[])a.Shape.Clone();
        outShape[axis]--;
        double[] result = new double[NdArray.ElementCount(outShape)];
        int i = 0;
        foreach (int[] position in Positions(outShape))
        {
            int[] next = (int[])position.Clone();
            next[axis]++;
            result[i++] = a[next] - a[position];
        }

        return new NdArray(outShape, result);
    }

    public static IEnumerable<int[]> Positions(int[] shape)
    {
        if (shape.Any(s => s == 0))
        {
            yield break;
        }

        int[] position = new int[shape.Length];
        while (true)
        {
            yield return (int[])position.Clone();
            int d = shape.Length - 1;
            while (d >= 0 && ++position[d] == shape[d])
            {
                position[d] = 0;
                d--;
            }

            if (d < 0)
            {
                yield break;
            }
        }
    }

    public static void AssertClose(NdArray expected, NdArray actual, double tolerance = 1e-9)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.Data[i];
            double a = actual.Data[i];
            Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)), $"Element {i}: expected {e}, got {a}.");
        }
    }
}
