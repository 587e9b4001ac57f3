using Deisa.Core.Arrays;
using Deisa.Core.Client;

namespace Deisa.Tests.Arrays;

/// <summary>
/// Random simulated arrays, selections and operations, each drawn together with its dense reference: the space the
/// array properties explore, shared so that every property draws from the same expressions.
/// </summary>
internal static class RandomArrays
{
    /// <summary>The operations <see cref="Apply(Random, DeisaArray, NdArray, int, Family)"/> applies.</summary>
    public enum Family
    {
        AddScalar,
        Square,
        Reduce,
        Diff,
        Rechunk,
        Concatenate,
        Stride,
    }

    /// <summary>The number of families, to draw one.</summary>
    public const int FamilyCount = 7;

    /// <summary>Draws a shape with a time dimension somewhere and unequal blocks along every spatial dimension.</summary>
    public static Layout NewLayout(Random random, int steps, int spatial)
    {
        int rank = spatial + 1;
        int time = random.Next(rank);
        long[] shape = new long[rank];
        long[][] splits = new long[spatial][];
        for (int d = 0, s = 0; d < rank; d++)
        {
            if (d == time)
            {
                shape[d] = steps;
                continue;
            }

            shape[d] = random.Next(1, 8);
            splits[s++] = Split(random, shape[d]);
        }

        string[] names = [.. Enumerable.Range(0, rank).Select(d => d == time ? "t" : $"d{d}")];
        return new Layout(shape, time, splits, names);
    }

    /// <summary>A random slice in every dimension: whole, a range with a step, or one index (never in dimension <paramref name="keep"/>).</summary>
    public static (DeisaArray Array, NdArray Dense) Select(Random random, DeisaArray array, NdArray dense, int keep = -1)
    {
        int rank = dense.Rank;
        var slices = new Slice[rank];
        var selection = new (long, long, long, bool)[rank];
        for (int d = 0; d < rank; d++)
        {
            int kind = random.Next(d == keep ? 2 : 3);
            long size = dense.Shape[d];
            if (kind == 0)
            {
                slices[d] = Slice.All;
                selection[d] = (0, size, 1, false);
            }
            else if (kind == 1)
            {
                int start = random.Next((int)size);
                int stop = random.Next(start + 1, (int)size + 1);
                int step = random.Next(1, 4);
                slices[d] = Slice.Of(start..stop, step);
                selection[d] = (start, (stop - start + step - 1) / step, step, false);
            }
            else
            {
                int index = random.Next((int)size);
                slices[d] = index;
                selection[d] = (index, 1, 1, true);
            }
        }

        return (array[slices], Dense.Slice(dense, selection));
    }

    /// <summary>One operation of a random family along a random dimension.</summary>
    public static (DeisaArray Array, NdArray Dense) Apply(Random random, DeisaArray array, NdArray dense) =>
        Apply(random, array, dense, random.Next(dense.Rank), (Family)random.Next(FamilyCount));

    /// <summary>One operation of <paramref name="family"/> along dimension <paramref name="axis"/>, its parameters drawn at random.</summary>
    /// <remarks>A difference along a dimension of a single element, which has none, is a rechunk instead.</remarks>
    public static (DeisaArray Array, NdArray Dense) Apply(Random random, DeisaArray array, NdArray dense, int axis, Family family)
    {
        string dimension = array.DimensionNames[axis];
        switch (family)
        {
            case Family.Concatenate:
                return (DeisaArray.Concatenate(dimension, array, array * 2.0), Dense.Concatenate(dense, Dense.Map(dense, x => x * 2.0), axis));
            case Family.Stride:
                int start = random.Next((int)dense.Shape[axis]);
                int step = random.Next(1, 4);
                var selection = new (long, long, long, bool)[dense.Rank];
                for (int d = 0; d < dense.Rank; d++)
                {
                    selection[d] = d == axis ? (start, ((dense.Shape[axis] - start - 1) / step) + 1, step, false) : (0, dense.Shape[d], 1, false);
                }

                Slice[] slices = [.. Enumerable.Range(0, dense.Rank).Select(d => d == axis ? Slice.Of(start.., step) : Slice.All)];
                return (array[slices], Dense.Slice(dense, selection));
            case Family.AddScalar:
                return (array + 1.5, Dense.Map(dense, x => x + 1.5));
            case Family.Square:
                return (array * array, Dense.Zip(dense, dense, (x, y) => x * y));
            case Family.Reduce:
                var reduction = (Reduction)random.Next(6);
                bool[] reduced = new bool[dense.Rank];
                reduced[axis] = true;
                return (array.Reduce(reduction, dimension), Dense.Reduce(dense, reduction, reduced));
            case Family.Diff when dense.Shape[axis] >= 2:
                return (array.Diff(dimension), Dense.Diff(dense, axis));
            default:
                return (array.Rechunk(dimension, random.Next(1, 4)), dense);
        }
    }

    private static long[] Split(Random random, long size)
    {
        int parts = (int)Math.Min(size, random.Next(1, 4));
        var cuts = new SortedSet<long>();
        while (cuts.Count < parts - 1)
        {
            cuts.Add(random.Next(1, (int)size));
        }

        long[] bounds = [0, .. cuts, size];
        return [.. bounds.Zip(bounds.Skip(1), (a, b) => b - a)];
    }

    /// <summary>A simulated array's shape, where its time dimension is, and its blocks' sizes along each spatial dimension.</summary>
    public sealed record Layout(long[] Shape, int Time, long[][] Splits, string[] Names)
    {
        /// <summary>Starts a runtime with this array declared (see <see cref="ArrayFixture.Start"/>).</summary>
        public ArrayFixture Start(int workers, bool serialize, ClientOptions? client = null) =>
            ArrayFixture.Start(Shape, Time, Splits, Names, workers, serialize, client: client);

        public override string ToString() =>
            $"field ({string.Join(", ", Names.Zip(Shape, (n, s) => $"{n}: {s}"))}) in blocks of {string.Join(" × ", Splits.Select(s => $"[{string.Join(", ", s)}]"))}";
    }
}
