using System.Collections;
using System.Globalization;

namespace Deisa.Core.Arrays;

/// <summary>
/// The chunk sizes along one dimension, held in a size that does not grow with the number of chunks: runs of a
/// repeated pattern of sizes ("1 a million times", "4, 3, 3 five thousand times, then 2").
/// </summary>
/// <remarks>
/// Immutable. The size, the start of a chunk and the chunk that holds an element cost O(log runs). The time dimension
/// of a long run has as many chunks as steps; every operation on arrays keeps its chunks in this form.
/// </remarks>
public sealed class ChunkAxis : IReadOnlyList<long>
{
    /// <summary>A pattern is at most this long; a selection that would need a longer one is refused.</summary>
    private const int MaxPattern = 1 << 20;

    private readonly Run[] _runs;

    private ChunkAxis(Run[] runs)
    {
        _runs = runs;
        if (runs.Length > 0)
        {
            Run last = runs[^1];
            Count = checked(last.FirstChunk + (last.Pattern.Length * last.Repeats));
            Length = last.FirstElement + (last.Sum * last.Repeats);
        }
    }

    /// <summary>Gets the number of chunks.</summary>
    public int Count { get; }

    /// <summary>
    /// Gets the time axis of an open-ended array: steps of one chunk each, as many as there can be
    /// (<see cref="int.MaxValue"/>); how many exist is known when the run ends. Every open-ended array shares this one
    /// instance, which is how an array knows its time dimension is open.
    /// </summary>
    internal static ChunkAxis Open { get; } = Uniform(int.MaxValue, 1);

    /// <summary>Gets the number of elements along the dimension.</summary>
    public long Length { get; }

    /// <summary>Gets the number of runs the sizes are held in: the axis's size, whatever the number of chunks.</summary>
    public int RunCount => _runs.Length;

    /// <summary>Gets the size of a chunk.</summary>
    /// <param name="index">The chunk.</param>
    /// <returns>Its number of elements.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    public long this[int index]
    {
        get
        {
            (Run run, int within) = Locate(index);
            return run.Pattern[within % run.Pattern.Length];
        }
    }

    /// <summary>Creates an axis from its chunk sizes, each at least 1.</summary>
    /// <param name="sizes">The sizes.</param>
    /// <returns>The axis.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public static ChunkAxis FromSizes(IEnumerable<long> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var builder = new Builder();
        foreach (long size in sizes)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(sizes));
            builder.Add([size], 1);
        }

        return builder.Build();
    }

    /// <summary>Creates an axis of <paramref name="length"/> elements in chunks of <paramref name="size"/> (the last may be smaller).</summary>
    /// <param name="length">The elements.</param>
    /// <param name="size">The chunk size, at least 1.</param>
    /// <returns>The axis.</returns>
    public static ChunkAxis Uniform(long length, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var builder = new Builder();
        long full = length / size;
        if (full > 0)
        {
            builder.Add([size], checked((int)full));
        }

        if (length % size != 0)
        {
            builder.Add([length % size], 1);
        }

        return builder.Build();
    }

    /// <summary>Joins axes end to end.</summary>
    /// <param name="parts">The axes, in order.</param>
    /// <returns>The joined axis.</returns>
    public static ChunkAxis Concat(IEnumerable<ChunkAxis> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var builder = new Builder();
        foreach (ChunkAxis part in parts)
        {
            foreach (Run run in part._runs)
            {
                builder.Add(run.Pattern, run.Repeats);
            }
        }

        return builder.Build();
    }

    /// <summary>Gets where a chunk starts.</summary>
    /// <param name="index">The chunk.</param>
    /// <returns>The index of its first element.</returns>
    public long StartOf(int index)
    {
        if (index == Count)
        {
            return Length;
        }

        (Run run, int within) = Locate(index);
        int m = run.Pattern.Length;
        return run.FirstElement + ((long)(within / m) * run.Sum) + run.Prefix[within % m];
    }

    /// <summary>Gets the chunk that holds an element.</summary>
    /// <param name="element">The element's index along the dimension.</param>
    /// <returns>The chunk.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The element is outside the axis.</exception>
    public int ChunkAt(long element)
    {
        if (element < 0 || element >= Length)
        {
            throw new ArgumentOutOfRangeException(nameof(element), element, $"The axis has elements 0 to {Length - 1}.");
        }

        int lo = 0;
        int hi = _runs.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_runs[mid].FirstElement <= element)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        Run run = _runs[lo];
        long offset = element - run.FirstElement;
        long cycle = offset / run.Sum;
        long rest = offset % run.Sum;
        int at = Array.BinarySearch(run.Prefix, 0, run.Pattern.Length + 1, rest);
        int position = at >= 0 ? at : ~at - 1;
        return run.FirstChunk + checked((int)(cycle * run.Pattern.Length)) + position;
    }

    /// <summary>
    /// Gets the axis of a selection of elements: <paramref name="count"/> elements from <paramref name="start"/>,
    /// <paramref name="step"/> apart, in one chunk per chunk of this axis that holds some of them.
    /// </summary>
    /// <param name="start">The first element selected.</param>
    /// <param name="count">How many.</param>
    /// <param name="step">The distance between them, at least 1.</param>
    /// <returns>The axis of the selection.</returns>
    /// <exception cref="NotSupportedException">The selection's pattern over this axis repeats only after more than a million chunks.</exception>
    public ChunkAxis Select(long start, long count, long step)
    {
        var builder = new Builder();
        if (count <= 0)
        {
            return builder.Build();
        }

        long last = start + ((count - 1) * step);
        int first = ChunkAt(start);
        int end = ChunkAt(last) + 1;

        // The selection and the sizes are periodic together: over a whole pattern of this axis and a whole number of
        // steps the touched chunks repeat; one such stretch is computed, the rest repeated.
        int c = first;
        while (c < end)
        {
            (Run run, int within) = Locate(c);
            int runEnd = Math.Min(end, run.FirstChunk + (run.Pattern.Length * run.Repeats));
            long lcmElements = Lcm(run.Sum, step);
            long periodChunks = lcmElements / run.Sum * run.Pattern.Length;
            if (periodChunks > MaxPattern)
            {
                throw new NotSupportedException(
                    $"A selection with step {step} over chunks of sizes {string.Join(",", run.Pattern)} repeats only every {periodChunks} chunks; rechunk first to sizes that divide or are multiples of the step.");
            }

            // The first chunk may be cut by the selection's start, the last by its end: those stand apart.
            if (c == first || runEnd - c <= 2 * periodChunks)
            {
                int stop = c == first ? c + 1 : runEnd;
                for (; c < stop; c++)
                {
                    if (Selected(c, start, last, step) is long n and > 0)
                    {
                        builder.Add([n], 1);
                    }
                }

                continue;
            }

            // Whole periods strictly inside the selection, minus the last chunk, which may be cut.
            long inside = runEnd - c - (runEnd == end ? 1 : 0);
            int periods = (int)(inside / periodChunks);
            if (periods == 0)
            {
                int stop = (int)(c + inside);
                for (; c < stop; c++)
                {
                    if (Selected(c, start, last, step) is long n and > 0)
                    {
                        builder.Add([n], 1);
                    }
                }

                continue;
            }

            var pattern = new List<long>();
            for (int k = 0; k < periodChunks; k++)
            {
                if (Selected(c + k, start, last, step) is long n and > 0)
                {
                    pattern.Add(n);
                }
            }

            if (pattern.Count > 0)
            {
                builder.Add([.. pattern], periods);
            }

            c += checked((int)(periods * periodChunks));
        }

        return builder.Build();
    }

    /// <summary>Gets this axis with its last chunk resized; a size of 0 drops it.</summary>
    /// <param name="size">The new size of the last chunk.</param>
    /// <returns>The axis.</returns>
    public ChunkAxis WithLastSize(long size)
    {
        var builder = new Builder();
        for (int r = 0; r < _runs.Length; r++)
        {
            Run run = _runs[r];
            if (r < _runs.Length - 1)
            {
                builder.Add(run.Pattern, run.Repeats);
                continue;
            }

            if (run.Repeats > 1)
            {
                builder.Add(run.Pattern, run.Repeats - 1);
            }

            builder.Add(run.Pattern[..^1], 1);
            if (size > 0)
            {
                builder.Add([size], 1);
            }
        }

        return builder.Build();
    }

    /// <summary>Gets the elements of a set of chunks.</summary>
    /// <param name="chunks">Chunk indices; those past the axis are ignored.</param>
    /// <returns>The indices of every element of those chunks.</returns>
    public StepSet ChunksToElements(StepSet chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        StepSet union = StepSet.Empty;
        foreach (Run run in _runs)
        {
            int m = run.Pattern.Length;
            int runEnd = run.FirstChunk + (m * run.Repeats);
            StepSet inRun = chunks.Within(run.FirstChunk, runEnd);
            if (inRun.IsEmpty)
            {
                continue;
            }

            for (int j = 0; j < m; j++)
            {
                // Chunk FirstChunk + j + m·k starts at element FirstElement + Prefix[j] + Sum·k.
                StepSet position = m == 1 ? inRun : inRun.Intersect(StepSet.Range(run.FirstChunk + j, runEnd, m));
                if (position.IsEmpty)
                {
                    continue;
                }

                StepSet cycles = position.Shift(-(run.FirstChunk + j)).FloorDiv(m);
                union = union.Union(cycles.Affine(run.Sum, run.FirstElement + run.Prefix[j]).ExpandTo(run.Pattern[j]));
            }
        }

        return union;
    }

    /// <summary>Gets the chunks that hold a set of elements.</summary>
    /// <param name="elements">Element indices; those past the axis are ignored.</param>
    /// <returns>The indices of the chunks holding at least one of them.</returns>
    public StepSet ElementsToChunks(StepSet elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        StepSet union = StepSet.Empty;
        foreach (Run run in _runs)
        {
            int m = run.Pattern.Length;
            long runEnd = run.FirstElement + (run.Sum * run.Repeats);
            StepSet inRun = elements.Within(checked((int)run.FirstElement), checked((int)runEnd));
            if (inRun.IsEmpty)
            {
                continue;
            }

            for (int j = 0; j < m; j++)
            {
                // Chunk FirstChunk + j + m·k holds the elements whose offset in the run is Prefix[j] to Prefix[j + 1] - 1, mod Sum.
                StepSet position = m == 1
                    ? inRun
                    : inRun.Intersect(StepSet.Periodic(
                        (int)run.FirstElement, (int)runEnd, checked((int)run.Sum), Enumerable.Range((int)run.Prefix[j], (int)run.Pattern[j])));
                if (position.IsEmpty)
                {
                    continue;
                }

                StepSet cycles = position.Shift(-run.FirstElement).FloorDiv(run.Sum);
                union = union.Union(cycles.Affine(m, run.FirstChunk + j));
            }
        }

        return union;
    }

    /// <summary>Compares two axes chunk by chunk, however they are held.</summary>
    /// <param name="other">The other axis.</param>
    /// <returns>True when every chunk has the same size.</returns>
    public bool SameAs(ChunkAxis other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Count != other.Count || Length != other.Length)
        {
            return false;
        }

        // Between two boundaries of either axis's runs both are periodic: a common period decides the stretch.
        var bounds = new SortedSet<int>();
        foreach (ChunkAxis axis in (ReadOnlySpan<ChunkAxis>)[this, other])
        {
            foreach (Run run in axis._runs)
            {
                bounds.Add(run.FirstChunk);
            }
        }

        bounds.Add(Count);
        int previous = -1;
        foreach (int bound in bounds)
        {
            if (previous >= 0)
            {
                (Run a, _) = Locate(previous);
                (Run b, _) = other.Locate(previous);
                long period = Lcm(a.Pattern.Length, b.Pattern.Length);
                long stop = Math.Min(bound, previous + period);
                for (int c = previous; c < stop; c++)
                {
                    if (this[c] != other[c])
                    {
                        return false;
                    }
                }
            }

            previous = bound;
        }

        return true;
    }

    /// <inheritdoc/>
    public IEnumerator<long> GetEnumerator()
    {
        foreach (Run run in _runs)
        {
            for (int r = 0; r < run.Repeats; r++)
            {
                foreach (long size in run.Pattern)
                {
                    yield return size;
                }
            }
        }
    }

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Describes the axis as runs, for example <c>1 x 1000000</c> or <c>[4, 3, 3] x 5000, 2</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Join(", ", _runs.Select(r =>
        (r.Pattern.Length == 1 ? r.Pattern[0].ToString(CultureInfo.InvariantCulture) : $"[{string.Join(", ", r.Pattern)}]") +
        (r.Repeats > 1 ? string.Create(CultureInfo.InvariantCulture, $" x {r.Repeats}") : string.Empty)));

    private static long Lcm(long a, long b)
    {
        long x = a;
        long y = b;
        while (y != 0)
        {
            (x, y) = (y, x % y);
        }

        return a / x * b;
    }

    /// <summary>How many of the selected elements chunk <paramref name="c"/> holds.</summary>
    private long Selected(int c, long start, long last, long step)
    {
        long from = Math.Max(StartOf(c), start);
        long to = Math.Min(StartOf(c + 1) - 1, last);
        if (from > to)
        {
            return 0;
        }

        long firstIndex = CeilingDivide(from - start, step);
        long lastIndex = (to - start) / step;
        return Math.Max(0, lastIndex - firstIndex + 1);
    }

    private static long CeilingDivide(long numerator, long denominator) => (numerator + denominator - 1) / denominator;

    private (Run Run, int Within) Locate(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The axis has chunks 0 to {Count - 1}.");
        }

        int lo = 0;
        int hi = _runs.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_runs[mid].FirstChunk <= index)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return (_runs[lo], index - _runs[lo].FirstChunk);
    }

    /// <summary>A pattern of chunk sizes repeated; positions are absolute in the axis.</summary>
    private sealed class Run
    {
        public Run(long[] pattern, int repeats, int firstChunk, long firstElement)
        {
            Pattern = pattern;
            Repeats = repeats;
            FirstChunk = firstChunk;
            FirstElement = firstElement;
            Prefix = new long[pattern.Length + 1];
            for (int i = 0; i < pattern.Length; i++)
            {
                Prefix[i + 1] = Prefix[i] + pattern[i];
            }

            Sum = Prefix[^1];
        }

        public long[] Pattern { get; }

        public int Repeats { get; }

        public int FirstChunk { get; }

        public long FirstElement { get; }

        /// <summary>Gets the start of each chunk of the pattern within it, and the pattern's sum last.</summary>
        public long[] Prefix { get; }

        public long Sum { get; }
    }

    /// <summary>Collects runs, merging a run into the previous one when it repeats its pattern.</summary>
    private sealed class Builder
    {
        private readonly List<(long[] Pattern, int Repeats)> _runs = [];

        public void Add(long[] pattern, int repeats)
        {
            if (pattern.Length == 0 || repeats == 0)
            {
                return;
            }

            pattern = Smallest(pattern, ref repeats);
            if (_runs.Count > 0 && _runs[^1].Pattern.AsSpan().SequenceEqual(pattern))
            {
                _runs[^1] = (pattern, checked(_runs[^1].Repeats + repeats));
                return;
            }

            // A lone chunk of a run's size continues that run, and two lone sizes that repeat become one.
            _runs.Add((pattern, repeats));
        }

        public ChunkAxis Build()
        {
            var runs = new Run[_runs.Count];
            int chunk = 0;
            long element = 0;
            for (int i = 0; i < runs.Length; i++)
            {
                (long[] pattern, int repeats) = _runs[i];
                runs[i] = new Run(pattern, repeats, chunk, element);
                chunk = checked(chunk + (pattern.Length * repeats));
                element += runs[i].Sum * repeats;
            }

            return new ChunkAxis(runs);
        }

        /// <summary>The shortest pattern that repeats into this one: [3, 3] x 2 is 3 x 4.</summary>
        private static long[] Smallest(long[] pattern, ref int repeats)
        {
            for (int length = 1; length < pattern.Length; length++)
            {
                if (pattern.Length % length != 0)
                {
                    continue;
                }

                bool repeating = true;
                for (int i = length; i < pattern.Length && repeating; i++)
                {
                    repeating = pattern[i] == pattern[i - length];
                }

                if (repeating)
                {
                    repeats = checked(repeats * (pattern.Length / length));
                    return pattern[..length];
                }
            }

            return pattern;
        }
    }
}
