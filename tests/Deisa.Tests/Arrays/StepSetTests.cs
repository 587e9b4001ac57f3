using CsCheck;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Protocol;

namespace Deisa.Tests.Arrays;

/// <summary>Step sets against a plain set of integers, and their size against the steps they hold.</summary>
public sealed class StepSetTests
{
    private const int Universe = 400;

    /// <summary>A random set: a union of a few progressions, some of them running to the end of the run.</summary>
    private static readonly Gen<(StepSet Set, HashSet<int> Model)> s_set =
        Gen.Select(Gen.Int[0, 60], Gen.Int[1, 12], Gen.Int[0, 300], Gen.Bool).Array[0, 4].Select(parts =>
        {
            StepSet set = StepSet.Empty;
            var model = new HashSet<int>();
            foreach ((int start, int stride, int length, bool open) in parts)
            {
                int end = open ? StepSet.Unbounded : start + length;
                set = set.Union(StepSet.Range(start, end, stride));
                for (int s = start; s < Math.Min(end, Universe * 10); s += stride)
                {
                    model.Add(s);
                }
            }

            return (set, model);
        });

    [Fact]
    public void Operations_MatchAPlainSet()
    {
        Gen.Select(s_set, s_set, Gen.Int[0, Universe]).Sample((a, b, probe) =>
        {
            Check(a.Set, a.Model);
            Check(a.Set.Union(b.Set), [.. a.Model.Union(b.Model)]);
            Check(a.Set.Except(b.Set), [.. a.Model.Except(b.Model)]);
            Check(a.Set.Intersect(b.Set), [.. a.Model.Intersect(b.Model)]);
            Check(a.Set.Within(probe, probe + 50), [.. a.Model.Where(s => s >= probe && s < probe + 50)]);
            int expectedNext = a.Model.Where(s => s >= probe).DefaultIfEmpty(-1).Min();
            Assert.Equal(expectedNext, a.Set.NextAtOrAfter(probe));
            Assert.True(a.Set.Union(b.Set).Equals(b.Set.Union(a.Set)));
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Maps_MatchAPlainSet()
    {
        Gen.Select(s_set, Gen.Int[1, 5], Gen.Int[-50, 50], Gen.Int[1, 9]).Sample((a, scale, offset, width) =>
        {
            Check(a.Set.Shift(offset), [.. a.Model.Select(x => x + offset).Where(x => x >= 0)]);
            Check(a.Set.Affine(scale, offset), [.. a.Model.Select(x => (scale * x) + offset).Where(x => x >= 0)]);
            Check(a.Set.FloorDiv(width), [.. a.Model.Select(x => x / width)]);
            Check(a.Set.ExpandTo(width), [.. a.Model.SelectMany(x => Enumerable.Range(x, width))]);
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void FromSteps_AndTheWire_GiveTheSameSet()
    {
        s_set.Sample(a =>
        {
            if (!a.Set.IsBounded)
            {
                return;
            }

            StepSet rebuilt = StepSet.FromSteps(a.Set.Enumerate());
            Assert.True(rebuilt.Equals(a.Set), $"{rebuilt} against {a.Set}");
            Assert.True(RoundTrip(a.Set).Equals(a.Set));
        }, iter: 300, threads: 1);
        StepSet open = StepSet.Range(7, StepSet.Unbounded, 5);
        Assert.True(RoundTrip(open).Equals(open));
    }

    [Fact]
    public void PeriodicSelections_StayAsSmallAsTheirPattern_WhateverTheRunLength()
    {
        foreach (int steps in (int[])[1_000, 1_000_000, 100_000_000])
        {
            Assert.Equal(1, StepSet.Range(3, steps, 10).IntervalCount);
            Assert.Equal(1, StepSet.Range(0, steps, 2).Union(StepSet.Range(1, steps, 2)).IntervalCount);
            StepSet sixths = StepSet.Range(0, steps, 2).Union(StepSet.Range(0, steps, 3));
            Assert.InRange(sixths.IntervalCount, 1, 2);
            Assert.True(sixths.Contains(steps - (steps % 6) - 6 + 4));
            Assert.False(sixths.Contains(steps - (steps % 6) - 6 + 5));
            Assert.Equal(1, StepSet.FromSteps(Enumerable.Range(0, 1000).Select(i => 5 + (7 * i))).IntervalCount);
        }

        Assert.Equal("5..95:10", StepSet.Range(5, 100, 10).ToString());
        Assert.Equal("0..", StepSet.All.ToString());
        Assert.Equal("3", StepSet.Range(3, 4).ToString());
        Assert.Equal(long.MaxValue, StepSet.All.Count);
        Assert.Equal(10, StepSet.Range(5, 100, 10).Count);
    }

    [Fact]
    public void BadInput_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSet.Range(0, 10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSet.Range(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSet.FromSteps([3, -2]));
    }

    private static StepSet RoundTrip(StepSet set)
    {
        using var writer = new PooledBufferWriter(64);
        set.Write(writer);
        var reader = new SpanReader(writer.WrittenSpan);
        return StepSet.Read(ref reader);
    }

    private static void Check(StepSet set, HashSet<int> model)
    {
        for (int s = 0; s < Universe; s++)
        {
            Assert.True(model.Contains(s) == set.Contains(s), $"step {s}: {set} against [{string.Join(",", model.Where(m => m < Universe).Order())}]");
        }

        int[] listed = [.. set.Enumerate(Universe)];
        Assert.Equal(model.Where(m => m < Universe).Order(), listed);
        Assert.Equal(model.Count == 0 ? -1 : model.Min(), set.First);
        if (set.IsBounded)
        {
            Assert.Equal(model.Count, set.Count);
            Assert.Equal(model.Count == 0 ? -1 : model.Max(), set.Last);
        }
    }
}
