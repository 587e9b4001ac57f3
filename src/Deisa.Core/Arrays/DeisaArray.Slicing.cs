using Deisa.Core.Arrays.Nodes;

namespace Deisa.Core.Arrays;

/// <content>Slicing, rechunking and concatenation: operations that move elements between chunks.</content>
public sealed partial class DeisaArray
{
    /// <summary>Takes a slice: a range (with a step) or a single index per dimension; missing dimensions are taken whole.</summary>
    /// <param name="slices">One per dimension, from the first.</param>
    /// <returns>The slice, referencing only the chunks it needs.</returns>
    /// <exception cref="ArgumentException">More slices than dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A slice does not fit its dimension; the message names it, the bounds and the shape.</exception>
    public DeisaArray this[params Slice[] slices]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(slices);
            if (slices.Length > Rank)
            {
                throw new ArgumentException($"{slices.Length} slices for {this}, which has {Rank} dimensions.", nameof(slices));
            }

            var selections = new (long Start, long Count, long Step, bool Drop)[Rank];
            bool whole = true;
            bool openStop = false;
            for (int d = 0; d < Rank; d++)
            {
                Slice slice = d < slices.Length ? slices[d] : Slice.All;
                int dimension = d;
                if (d == TimeAxis && IsOpenEnded)
                {
                    (selections[d], openStop) = slice.ResolveOpen(() => $"the open-ended time dimension '{DimensionArray[dimension]}' of {this}");
                }
                else
                {
                    selections[d] = slice.Resolve(ShapeArray[d], () => $"dimension '{DimensionArray[dimension]}' of {this}");
                }

                whole &= !selections[d].Drop && selections[d].Start == 0 && selections[d].Step == 1 && selections[d].Count == ShapeArray[d];
            }

            return whole ? this : Select(selections, openStop, $"{Expression}[{string.Join(", ", slices)}]");
        }
    }

    /// <summary>Gives a dimension new chunks of <paramref name="chunkSize"/> elements (the last may be smaller).</summary>
    /// <param name="dimension">The dimension's name.</param>
    /// <param name="chunkSize">The chunk size; <see cref="long.MaxValue"/> for a single chunk.</param>
    /// <returns>The rechunked array.</returns>
    /// <exception cref="ArgumentException">No such dimension.</exception>
    /// <exception cref="NotSupportedException">The dimension is an open-ended time dimension: its chunks are single steps.</exception>
    public DeisaArray Rechunk(string dimension, long chunkSize)
    {
        int axis = Axis(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        if (axis == TimeAxis && IsOpenEnded && chunkSize != 1)
        {
            ThrowIfOpenEnded(
                $"rechunk '{dimension}'",
                "Along an open-ended time dimension chunks stay single steps; slice a bounded range of steps first (a[..n]) to rechunk it.");
        }

        ChunkAxis[] axes = [.. Axes];
        axes[axis] = ChunkAxis.Uniform(ShapeArray[axis], Math.Min(chunkSize, Math.Max(1, ShapeArray[axis])));
        return RechunkTo(axes, $"{Expression}.Rechunk(\"{dimension}\", {(chunkSize == long.MaxValue ? "long.MaxValue" : chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture))})");
    }

    /// <summary>Joins arrays along a dimension; the other dimensions must match.</summary>
    /// <param name="dimension">The dimension to join along.</param>
    /// <param name="arrays">The arrays, in order; at least one.</param>
    /// <returns>The joined array; no data moves, its chunks are the inputs' chunks.</returns>
    /// <exception cref="ArgumentException">The arrays' dimensions or shapes do not match.</exception>
    /// <exception cref="NotSupportedException">The dimension is an open-ended time dimension of one of the arrays: no array can come after it.</exception>
    public static DeisaArray Concatenate(string dimension, params DeisaArray[] arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        if (arrays.Length == 0)
        {
            throw new ArgumentException("Concatenate needs at least one array.", nameof(arrays));
        }

        DeisaArray first = arrays[0];
        int axis = first.Axis(dimension);
        var parts = new DeisaArray[arrays.Length];
        for (int i = 0; i < arrays.Length; i++)
        {
            DeisaArray part = arrays[i];
            if (part.TimeAxis == axis && part.IsOpenEnded)
            {
                part.ThrowIfOpenEnded(
                    $"concatenate along '{dimension}'",
                    "Nothing can follow an open-ended run along its time; slice a bounded range of steps first (a[..n]), or concatenate along a spatial dimension.");
            }

            if (part.IsOpenEnded != first.IsOpenEnded)
            {
                throw new ArgumentException(
                    $"Cannot concatenate {part} to {first} along '{dimension}': one has an open-ended time dimension and the other not; slice both to the same bounded range of steps.", nameof(arrays));
            }

            if (!part.DimensionArray.SequenceEqual(first.DimensionArray) ||
                Enumerable.Range(0, first.Rank).Any(d => d != axis && part.ShapeArray[d] != first.ShapeArray[d]) ||
                part.TimeAxis != first.TimeAxis)
            {
                throw new ArgumentException(
                    $"Cannot concatenate {part} to {first} along '{dimension}': the other dimensions must have the same names and sizes.", nameof(arrays));
            }

            // Align the chunks of the other dimensions on the first array's.
            ChunkAxis[] aligned = [.. first.Axes];
            aligned[axis] = part.Axes[axis];
            parts[i] = part.RechunkTo(aligned, part.Expression);
        }

        ChunkAxis[] axes = [.. first.Axes];
        axes[axis] = ChunkAxis.Concat(parts.Select(p => p.Axes[axis]));
        long[] shape = [.. first.ShapeArray];
        shape[axis] = parts.Sum(p => p.ShapeArray[axis]);
        string name = DeisaArrays.NewName("concatenate");
        string expression = $"DeisaArray.Concatenate(\"{dimension}\", {string.Join(", ", arrays.Select(a => a.Expression))})";
        return first.Derived(name, expression, shape, [.. first.DimensionArray], axes, first.TimeAxis, new ConcatenateNode(name, axis, parts));
    }

    /// <summary>Gives the array the chunks of <paramref name="other"/>, which has the same shape.</summary>
    internal DeisaArray RechunkLike(DeisaArray other) => RechunkTo(other.Axes, Expression);

    private DeisaArray RechunkTo(ChunkAxis[] axes, string expression)
    {
        bool same = true;
        for (int d = 0; d < Rank; d++)
        {
            same &= axes[d].SameAs(Axes[d]);
        }

        if (same)
        {
            return this;
        }

        string name = DeisaArrays.NewName("rechunk");
        return Derived(name, expression, [.. ShapeArray], [.. DimensionArray], axes, TimeAxis, new RechunkNode(name, this));
    }

    /// <param name="selections">Per dimension, what is taken.</param>
    /// <param name="openStop">Whether the open-ended time dimension is taken to the run's end: it stays open.</param>
    /// <param name="expression">The slice as code would write it.</param>
    private DeisaArray Select((long Start, long Count, long Step, bool Drop)[] selections, bool openStop, string expression)
    {
        int[] kept = [.. Enumerable.Range(0, Rank).Where(d => !selections[d].Drop)];
        long[] shape = [.. kept.Select(d => selections[d].Count)];

        // A selection to the end of an open run is open too: one step per chunk, however far the run goes.
        ChunkAxis[] axes = [.. kept.Select(d => d == TimeAxis && openStop
            ? ChunkAxis.Open
            : Axes[d].Select(selections[d].Start, selections[d].Count, selections[d].Step))];
        int timeAxis = TimeAxis >= 0 && !selections[TimeAxis].Drop ? Array.IndexOf(kept, TimeAxis) : -1;
        string name = DeisaArrays.NewName("slice");
        return Derived(name, expression, shape, [.. kept.Select(d => DimensionArray[d])], axes, timeAxis, new SelectNode(name, this, selections));
    }
}
