using CsCheck;
using Deisa.Core.Arrays;

namespace Deisa.Tests.Arrays;

/// <summary>Chunk axes against plain lists of sizes, and their size against the chunks they hold.</summary>
public sealed class ChunkAxisTests
{
    /// <summary>Sizes made of a few repeated patterns and lone chunks.</summary>
    private static readonly Gen<long[]> s_sizes = Gen.Select(Gen.Long[1, 6].Array[1, 4], Gen.Int[1, 30]).Array[1, 4]
        .Select(parts => parts.SelectMany(p => Enumerable.Repeat(p.Item1, p.Item2).SelectMany(x => x)).ToArray());

    [Fact]
    public void Lookups_MatchTheList()
    {
        s_sizes.Sample(sizes =>
        {
            ChunkAxis axis = ChunkAxis.FromSizes(sizes);
            Check(axis, sizes);
            Check(ChunkAxis.Concat([axis, ChunkAxis.Uniform(17, 5), axis]), [.. sizes, 5, 5, 5, 2, .. sizes]);
            Check(axis.WithLastSize(0), sizes[..^1]);
            Check(axis.WithLastSize(9), [.. sizes[..^1], 9]);
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Select_MatchesOneChunkPerTouchedChunk()
    {
        Gen.Select(s_sizes, Gen.Long[0, 40], Gen.Long[0, 60], Gen.Long[1, 9]).Sample((sizes, start, count, step) =>
        {
            long length = sizes.Sum();
            if (start >= length)
            {
                return;
            }

            count = Math.Min(count, ((length - 1 - start) / step) + 1);
            ChunkAxis axis = ChunkAxis.FromSizes(sizes);
            Check(axis.Select(start, count, step), Naive(sizes, start, count, step));
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void ChunkAndElementSets_MatchTheList()
    {
        Gen.Select(s_sizes, Gen.Int[0, 40].Array[0, 12], Gen.Int[0, 20], Gen.Int[1, 4]).Sample((sizes, picked, from, stride) =>
        {
            ChunkAxis axis = ChunkAxis.FromSizes(sizes);
            long[] starts = new long[sizes.Length + 1];
            for (int c = 0; c < sizes.Length; c++)
            {
                starts[c + 1] = starts[c] + sizes[c];
            }

            StepSet chunks = StepSet.FromSteps(picked).Union(StepSet.Range(from, from + 30, stride));
            int[] expectedElements = [.. chunks.Enumerate().Where(c => c < sizes.Length).SelectMany(c => Enumerable.Range((int)starts[c], (int)sizes[c]))];
            Assert.Equal(expectedElements, axis.ChunksToElements(chunks).Enumerate());

            StepSet elements = StepSet.FromSteps(picked).Union(StepSet.Range(from, StepSet.Unbounded, stride + 2));
            int[] expectedChunks = [.. Enumerable.Range(0, sizes.Length).Where(c => Enumerable.Range((int)starts[c], (int)sizes[c]).Any(elements.Contains))];
            Assert.Equal(expectedChunks, axis.ElementsToChunks(elements).Enumerate());
        }, iter: 300, threads: 1);

        // A million unit chunks, every 10th: still one interval each way.
        ChunkAxis steps = ChunkAxis.Uniform(1_000_000, 1);
        Assert.Equal(1, steps.ElementsToChunks(StepSet.Range(5, 1_000_000, 10)).IntervalCount);
        Assert.Equal(1, ChunkAxis.Uniform(1_000_000, 10).ChunksToElements(StepSet.Range(0, 100_000, 2)).IntervalCount);
    }

    [Fact]
    public void LongAxes_StayAsSmallAsTheirPattern()
    {
        ChunkAxis steps = ChunkAxis.Uniform(1_000_000, 1);
        Assert.Equal(1, steps.RunCount);
        Assert.Equal(1_000_000, steps.Count);
        Assert.Equal(999_999, steps.ChunkAt(999_999));

        ChunkAxis every10 = steps.Select(5, 99_999, 10);
        Assert.InRange(every10.RunCount, 1, 3);
        Assert.Equal(99_999, every10.Count);

        // Chunks of 10 read every 3rd element: sizes 4, 3, 3 again and again.
        ChunkAxis rechunked = ChunkAxis.Uniform(1_000_000, 10);
        ChunkAxis thirds = rechunked.Select(0, 333_334, 3);
        Assert.InRange(thirds.RunCount, 1, 8);
        Assert.Equal(100_000, thirds.Count);
        Assert.Equal(333_334, thirds.Length);
        Assert.Equal([4L, 3, 3, 4, 3, 3], thirds.Take(6));
        Assert.True(thirds.SameAs(ChunkAxis.FromSizes(Naive([.. rechunked], 0, 333_334, 3))));
    }

    [Fact]
    public void BadInput_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkAxis.FromSizes([3, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkAxis.Uniform(10, 0).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkAxis.Uniform(10, 3).ChunkAt(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkAxis.Uniform(10, 3)[4]);
    }

    private static long[] Naive(long[] sizes, long start, long count, long step)
    {
        // Which chunk holds each selected element, walking both in order.
        var result = new List<long>();
        int chunk = 0;
        long chunkEnd = sizes[0];
        int lastChunk = -1;
        for (long i = 0; i < count; i++)
        {
            long x = start + (i * step);
            while (x >= chunkEnd)
            {
                chunkEnd += sizes[++chunk];
            }

            if (chunk != lastChunk)
            {
                result.Add(0);
                lastChunk = chunk;
            }

            result[^1]++;
        }

        return [.. result];
    }

    private static void Check(ChunkAxis axis, long[] sizes)
    {
        Assert.Equal(sizes, axis.ToArray());
        Assert.Equal(sizes.Length, axis.Count);
        Assert.Equal(sizes.Sum(), axis.Length);
        long start = 0;
        for (int c = 0; c < sizes.Length; c++)
        {
            Assert.Equal(sizes[c], axis[c]);
            Assert.Equal(start, axis.StartOf(c));
            Assert.Equal(c, axis.ChunkAt(start));
            Assert.Equal(c, axis.ChunkAt(start + sizes[c] - 1));
            start += sizes[c];
        }

        Assert.True(axis.SameAs(ChunkAxis.FromSizes(sizes)));
        if (sizes.Length > 1)
        {
            long[] other = (long[])sizes.Clone();
            other[^1]++;
            Assert.False(axis.SameAs(ChunkAxis.FromSizes(other)));
        }
    }
}
