using CsCheck;
using Deisa.Core.Arrays;

namespace Deisa.Tests.Arrays;

/// <summary>Random shapes, decompositions (equal and unequal), slices and chains of operations give the dense result.</summary>
public sealed class ArrayProperties
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void RandomSlicesAndOperations_MatchDenseReference()
    {
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 2], Gen.Int, Gen.Int[0, 3], Gen.Bool).Sample(
            (steps, spatial, seed, operations, serialize) => Check(steps, spatial, seed, operations, serialize),
            iter: 80,
            threads: 1);
    }

    private static void Check(int steps, int spatial, int seed, int operations, bool serialize)
    {
        var random = new Random(seed);
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
        ArrayFixture fixture = ArrayFixture.Start(shape, time, splits, names, workers: random.Next(1, 4), serialize: serialize);
        try
        {
            DeisaArray array = fixture.Client.GetArrays()["field"];
            NdArray dense = fixture.Dense();

            // A random slice in every dimension: whole, a range with a step, or one index.
            var slices = new Slice[rank];
            var selection = new (long, long, long, bool)[rank];
            for (int d = 0; d < rank; d++)
            {
                int kind = random.Next(3);
                long size = shape[d];
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

            array = array[slices];
            dense = Dense.Slice(dense, selection);
            for (int o = 0; o < operations && dense.Rank > 0; o++)
            {
                (array, dense) = Apply(random, array, dense);
            }

            // What the array reads, derived without listing chunks, is exactly the blocks its whole graph reads.
            ArrayLayout layout = fixture.Client.GetArrays().Layout("field");
            var listed = array.BuildGraph().External.ToHashSet();
            var derived = new HashSet<Deisa.Core.Graph.TaskKey>();
            foreach (SourceRequirement requirement in array.Reads())
            {
                int[][] axes = [.. requirement.Blocks.Select(b => b.Enumerate().ToArray())];
                foreach (int step in requirement.Steps.Enumerate())
                {
                    foreach (int[] position in DeisaArrayIndices(axes.Select(a => a.Length).ToArray()))
                    {
                        derived.Add(layout.KeyOf(step, [.. position.Select((p, d) => axes[d][p])]));
                    }
                }
            }

            Assert.True(listed.SetEquals(derived), $"listed [{string.Join(" ", listed.Order())}] derived [{string.Join(" ", derived.Order())}] from {string.Join("; ", array.Reads())}");

            using PersistedArray persisted = array.Persist();
            fixture.Client.ValidateContract();
            fixture.ShipAsync().Wait(s_timeout);
            Dense.AssertClose(dense, persisted.Result(s_timeout), 1e-8);
        }
        finally
        {
            fixture.DisposeAsync().AsTask().Wait(s_timeout);
        }
    }

    private static (DeisaArray, NdArray) Apply(Random random, DeisaArray array, NdArray dense)
    {
        int axis = random.Next(dense.Rank);
        string dimension = array.DimensionNames[axis];
        switch (random.Next(7))
        {
            case 5:
                return (DeisaArray.Concatenate(dimension, array, array * 2.0), Dense.Concatenate(dense, Dense.Map(dense, x => x * 2.0), axis));
            case 6:
                int start = random.Next((int)dense.Shape[axis]);
                int step = random.Next(1, 4);
                var selection = new (long, long, long, bool)[dense.Rank];
                for (int d = 0; d < dense.Rank; d++)
                {
                    selection[d] = d == axis ? (start, ((dense.Shape[axis] - start - 1) / step) + 1, step, false) : (0, dense.Shape[d], 1, false);
                }

                Slice[] slices = [.. Enumerable.Range(0, dense.Rank).Select(d => d == axis ? Slice.Of(start.., step) : Slice.All)];
                return (array[slices], Dense.Slice(dense, selection));
            case 0:
                return (array + 1.5, Dense.Map(dense, x => x + 1.5));
            case 1:
                return (array * array, Dense.Zip(dense, dense, (x, y) => x * y));
            case 2:
                var reduction = (Reduction)random.Next(6);
                bool[] reduced = new bool[dense.Rank];
                reduced[axis] = true;
                return (array.Reduce(reduction, dimension), Dense.Reduce(dense, reduction, reduced));
            case 3 when dense.Shape[axis] >= 2:
                return (array.Diff(dimension), Dense.Diff(dense, axis));
            default:
                return (array.Rechunk(dimension, random.Next(1, 4)), dense);
        }
    }

    private static IEnumerable<int[]> DeisaArrayIndices(int[] counts)
    {
        if (counts.Any(c => c == 0))
        {
            yield break;
        }

        int[] index = new int[counts.Length];
        while (true)
        {
            yield return (int[])index.Clone();
            int d = counts.Length - 1;
            while (d >= 0 && ++index[d] == counts[d])
            {
                index[d] = 0;
                d--;
            }

            if (d < 0)
            {
                yield break;
            }
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
}
