namespace Deisa.Core.Arrays;

/// <summary>What to take along one dimension of a <see cref="DeisaArray"/>: a range with a step, or a single index.</summary>
/// <remarks>
/// C# ranges and indices convert implicitly: <c>a[.., 10..20, ^1]</c>. A single index drops the dimension, as in
/// NumPy. For a step, use <see cref="Every(int)"/> or <see cref="Of(Range, int)"/>: <c>a[Slice.Every(10), .., ..]</c>.
/// </remarks>
public readonly struct Slice
{
    private Slice(Range range, int step, Index? index)
    {
        Range = range;
        Step = step;
        SingleIndex = index;
    }

    /// <summary>Gets the whole dimension.</summary>
    public static Slice All => new(.., 1, null);

    /// <summary>Gets the range (unused for a single index).</summary>
    public Range Range { get; }

    /// <summary>Gets the step, at least 1.</summary>
    public int Step { get; }

    /// <summary>Gets the single index, which drops the dimension; null for a range.</summary>
    public Index? SingleIndex { get; }

    /// <summary>Takes a range.</summary>
    /// <param name="range">The range.</param>
    public static implicit operator Slice(Range range) => new(range, 1, null);

    /// <summary>Takes one index, dropping the dimension.</summary>
    /// <param name="index">The index.</param>
    public static implicit operator Slice(Index index) => new(default, 1, index);

    /// <summary>Takes one index, dropping the dimension.</summary>
    /// <param name="index">The index.</param>
    public static implicit operator Slice(int index) => new(default, 1, index < 0 ? Index.FromEnd(-index) : Index.FromStart(index));

    /// <summary>Takes every <paramref name="step"/>-th element of the whole dimension, from the first.</summary>
    /// <param name="step">The step, at least 1.</param>
    /// <returns>The slice.</returns>
    public static Slice Every(int step) => Of(.., step);

    /// <summary>Takes every <paramref name="step"/>-th element of a range.</summary>
    /// <param name="range">The range.</param>
    /// <param name="step">The step, at least 1.</param>
    /// <returns>The slice.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is not positive.</exception>
    public static Slice Of(Range range, int step)
    {
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "A slice's step must be at least 1; negative steps are not supported.");
        }

        return new(range, step, null);
    }

    /// <summary>Describes the slice as Python would write it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => SingleIndex is { } index
        ? index.ToString()
        : $"{(Range.Start.Equals(Index.Start) ? string.Empty : Range.Start.ToString())}:{(Range.End.Equals(Index.End) ? string.Empty : Range.End.ToString())}{(Step == 1 ? string.Empty : $":{Step}")}";

    /// <summary>
    /// Resolves the slice against an open-ended time dimension, whose size is not known: indices count from its start;
    /// a stop bounds the selection, no stop keeps it open to the run's end.
    /// </summary>
    /// <param name="describe">Names the dimension and the array, for errors.</param>
    /// <returns>The selection (its count <see cref="ArrayDeclaration.OpenEnded"/> when open), and whether it runs to the run's end.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index counted from the end, or a stop before the start.</exception>
    internal ((long Start, long Count, long Step, bool Drop) Selection, bool Open) ResolveOpen(Func<string> describe)
    {
        const long size = ArrayDeclaration.OpenEnded;
        if (SingleIndex is { } index)
        {
            if (index.IsFromEnd || index.Value >= size)
            {
                throw new ArgumentOutOfRangeException(nameof(describe), $"Index {index} cannot be taken along {describe()}: the run's end is not known until it finishes. Index steps from the start (a[5]), or reduce over time.");
            }

            return ((index.Value, 1, 1, true), false);
        }

        bool openEnd = Range.End.Equals(Index.End);
        if (Range.Start.IsFromEnd || (Range.End.IsFromEnd && !openEnd))
        {
            throw new ArgumentOutOfRangeException(
                nameof(describe),
                $"The slice {this} counts from the end of {describe()}, whose end is not known until the run finishes. Count from the start: a start and a step ({(Step == 1 ? "5.." : $"Slice.Of(5.., {Step})")}) stream to the run's end, a stop (..100) bounds it.");
        }

        long start = Range.Start.Value;
        if (openEnd)
        {
            return ((start, size, Step, false), true);
        }

        long end = Range.End.Value;
        if (start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(describe), $"The slice {this} selects [{start}, {end}) of {describe()}: its stop comes before its start.");
        }

        return ((start, (end - start + Step - 1) / Step, Step, false), false);
    }

    /// <summary>Resolves the slice against a dimension's size.</summary>
    /// <param name="size">The dimension's size.</param>
    /// <param name="describe">Names the dimension and the array's shape, for errors.</param>
    /// <returns>The first index, the number of elements, the step, and whether the dimension is dropped.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The slice does not fit in the dimension.</exception>
    internal (long Start, long Count, long Step, bool Drop) Resolve(long size, Func<string> describe)
    {
        if (SingleIndex is { } index)
        {
            long at = index.IsFromEnd ? size - index.Value : index.Value;
            if (at < 0 || at >= size)
            {
                throw new ArgumentOutOfRangeException(nameof(size), $"Index {index} is outside {describe()}, which has indices 0 to {size - 1}.");
            }

            return (at, 1, 1, true);
        }

        long start = Range.Start.IsFromEnd ? size - Range.Start.Value : Range.Start.Value;
        long end = Range.End.IsFromEnd ? size - Range.End.Value : Range.End.Value;
        if (start < 0 || end > size || start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"The slice {this} selects [{start}, {end}) of {describe()}, whose size is {size}.");
        }

        long count = (end - start + Step - 1) / Step;
        return (start, count, Step, false);
    }
}
