using Deisa.Core.Graph;

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
            for (int d = 0; d < Rank; d++)
            {
                Slice slice = d < slices.Length ? slices[d] : Slice.All;
                int dimension = d;
                selections[d] = slice.Resolve(ShapeArray[d], () => $"dimension '{DimensionArray[dimension]}' of {this}");
                whole &= !selections[d].Drop && selections[d].Start == 0 && selections[d].Step == 1 && selections[d].Count == ShapeArray[d];
            }

            return whole ? this : Select(selections, $"{Expression}[{string.Join(", ", slices)}]");
        }
    }

    /// <summary>Gives a dimension new chunks of <paramref name="chunkSize"/> elements (the last may be smaller).</summary>
    /// <param name="dimension">The dimension's name.</param>
    /// <param name="chunkSize">The chunk size; <see cref="long.MaxValue"/> for a single chunk.</param>
    /// <returns>The rechunked array.</returns>
    /// <exception cref="ArgumentException">No such dimension.</exception>
    public DeisaArray Rechunk(string dimension, long chunkSize)
    {
        int axis = Axis(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        var sizes = new List<long>();
        for (long start = 0; start < ShapeArray[axis]; start += chunkSize)
        {
            sizes.Add(Math.Min(chunkSize, ShapeArray[axis] - start));
        }

        long[][] chunks = [.. ChunkArray];
        chunks[axis] = [.. sizes];
        return RechunkTo(chunks, $"{Expression}.Rechunk(\"{dimension}\", {(chunkSize == long.MaxValue ? "long.MaxValue" : chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture))})");
    }

    /// <summary>Joins arrays along a dimension; the other dimensions must match.</summary>
    /// <param name="dimension">The dimension to join along.</param>
    /// <param name="arrays">The arrays, in order; at least one.</param>
    /// <returns>The joined array; no data moves, its chunks are the inputs' chunks.</returns>
    /// <exception cref="ArgumentException">The arrays' dimensions or shapes do not match.</exception>
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
            if (!part.DimensionArray.SequenceEqual(first.DimensionArray) ||
                Enumerable.Range(0, first.Rank).Any(d => d != axis && part.ShapeArray[d] != first.ShapeArray[d]))
            {
                throw new ArgumentException(
                    $"Cannot concatenate {part} to {first} along '{dimension}': the other dimensions must have the same names and sizes.", nameof(arrays));
            }

            // Align the chunks of the other dimensions on the first array's.
            long[][] aligned = [.. first.ChunkArray];
            aligned[axis] = part.ChunkArray[axis];
            parts[i] = part.RechunkTo(aligned, part.Expression);
        }

        long[][] chunks = [.. first.ChunkArray];
        chunks[axis] = [.. parts.SelectMany(p => p.ChunkArray[axis])];
        long[] shape = [.. first.ShapeArray];
        shape[axis] = parts.Sum(p => p.ShapeArray[axis]);
        var keys = new Dictionary<string, TaskKey>();
        int offset = 0;
        foreach (DeisaArray part in parts)
        {
            foreach (int[] chunk in part.ChunkIndices())
            {
                int[] target = (int[])chunk.Clone();
                target[axis] += offset;
                keys[string.Join(",", target)] = part.KeyOf(chunk);
            }

            offset += part.ChunkArray[axis].Length;
        }

        string expression = $"DeisaArray.Concatenate(\"{dimension}\", {string.Join(", ", arrays.Select(a => a.Expression))})";
        return View(first.Context, DeisaArrays.NewName("concatenate"), expression, shape, [.. first.DimensionArray], chunks, keys, parts);
    }

    /// <summary>Gives the array the chunks of <paramref name="other"/>, which has the same shape.</summary>
    internal DeisaArray RechunkLike(DeisaArray other) => RechunkTo(other.ChunkArray, Expression);

    private DeisaArray RechunkTo(long[][] chunks, string expression)
    {
        bool same = true;
        for (int d = 0; d < Rank; d++)
        {
            same &= chunks[d].SequenceEqual(ChunkArray[d]);
        }

        if (same)
        {
            return this;
        }

        string name = DeisaArrays.NewName("rechunk");
        var layer = new TaskGraph();
        long[][] inStarts = Enumerable.Range(0, Rank).Select(ChunkStarts).ToArray();
        long[][] outStarts = chunks.Select(c => Starts(c)).ToArray();
        foreach (int[] outChunk in ChunkIndices(chunks.Select(c => c.Length).ToArray()))
        {
            int[] outShape = new int[Rank];
            var perDimension = new List<(int Chunk, int InStart, int Count, int OutStart)>[Rank];
            for (int d = 0; d < Rank; d++)
            {
                long start = outStarts[d][outChunk[d]];
                long end = start + chunks[d][outChunk[d]];
                outShape[d] = (int)(end - start);
                perDimension[d] = [];
                for (int c = 0; c < ChunkArray[d].Length; c++)
                {
                    long from = Math.Max(start, inStarts[d][c]);
                    long to = Math.Min(end, inStarts[d][c] + ChunkArray[d][c]);
                    if (from < to)
                    {
                        perDimension[d].Add((c, (int)(from - inStarts[d][c]), (int)(to - from), (int)(from - start)));
                    }
                }
            }

            var pieces = new List<TaskArg>();
            foreach (int[] combination in ChunkIndices(perDimension.Select(p => p.Count).ToArray()))
            {
                int[] inChunk = new int[Rank];
                int[] inStart = new int[Rank];
                int[] count = new int[Rank];
                int[] outStart = new int[Rank];
                for (int d = 0; d < Rank; d++)
                {
                    (inChunk[d], inStart[d], count[d], outStart[d]) = perDimension[d][combination[d]];
                }

                pieces.Add(Piece(KeyOf(inChunk), ChunkShape(inChunk), inStart, Ones(Rank), count, outStart));
            }

            layer.Add(new TaskKey(name, outChunk), TaskSpec.Create(Op(ArrayOperations.Assemble), ShapeArg(outShape), ShapeArg(outShape), TaskArg.FromList([.. pieces])));
        }

        return Derived(name, expression, [.. ShapeArray], [.. DimensionArray], chunks, layer, this);
    }

    private DeisaArray Select((long Start, long Count, long Step, bool Drop)[] selections, string expression)
    {
        // Along each dimension: which input chunks the selection touches, where it starts in each, and how many.
        var pieces = new List<(int Chunk, long LocalStart, long Count)>[Rank];
        for (int d = 0; d < Rank; d++)
        {
            (long start, long count, long step, _) = selections[d];
            long[] starts = ChunkStarts(d);
            pieces[d] = [];
            for (int c = 0; c < ChunkArray[d].Length && count > 0; c++)
            {
                long first = Math.Max(0, CeilingDivide(starts[c] - start, step));
                long last = Math.Min(count, CeilingDivide(starts[c] + ChunkArray[d][c] - start, step));
                if (first < last)
                {
                    pieces[d].Add((c, start + (first * step) - starts[c], last - first));
                }
            }
        }

        int[] kept = [.. Enumerable.Range(0, Rank).Where(d => !selections[d].Drop)];
        long[] shape = [.. kept.Select(d => selections[d].Count)];
        long[][] chunks = [.. kept.Select(d => pieces[d].Select(p => p.Count).ToArray())];
        string name = DeisaArrays.NewName("slice");
        var layer = new TaskGraph();
        var keys = new Dictionary<string, TaskKey>();
        foreach (int[] combination in ChunkIndices([.. pieces.Select(p => p.Count)]))
        {
            int[] inChunk = new int[Rank];
            int[] inStart = new int[Rank];
            int[] step = new int[Rank];
            int[] count = new int[Rank];
            bool wholeChunk = kept.Length == Rank;
            int[] inShape;
            for (int d = 0; d < Rank; d++)
            {
                (int chunk, long localStart, long n) = pieces[d][combination[d]];
                inChunk[d] = chunk;
                inStart[d] = (int)localStart;
                step[d] = (int)selections[d].Step;
                count[d] = (int)n;
            }

            inShape = ChunkShape(inChunk);
            int[] outChunk = [.. kept.Select(d => combination[d])];
            for (int d = 0; d < Rank; d++)
            {
                wholeChunk &= inStart[d] == 0 && count[d] == inShape[d] && (step[d] == 1 || count[d] == 1);
            }

            if (wholeChunk)
            {
                // The chunk is taken whole: the slice's chunk is the input's key, no task, no copy.
                keys[string.Join(",", outChunk)] = KeyOf(inChunk);
                continue;
            }

            var key = new TaskKey(name, outChunk);
            int[] outShape = [.. kept.Select(d => count[d])];
            layer.Add(key, TaskSpec.Create(
                Op(ArrayOperations.Assemble),
                ShapeArg(outShape),
                ShapeArg(count),
                TaskArg.FromList(Piece(KeyOf(inChunk), inShape, inStart, step, count, new int[Rank]))));
            keys[string.Join(",", outChunk)] = key;
        }

        return new DeisaArray(Context, name, shape, [.. kept.Select(d => DimensionArray[d])], chunks, chunk => keys[string.Join(",", chunk)], layer.Count > 0 ? layer : null, [this], null, expression);
    }

    private static TaskArg Piece(TaskKey key, int[] inShape, int[] inStart, int[] inStep, int[] count, int[] outStart) =>
        TaskArg.FromList(key, ShapeArg(inShape), ShapeArg(inStart), ShapeArg(inStep), ShapeArg(count), ShapeArg(outStart));

    private static long CeilingDivide(long numerator, long denominator) =>
        numerator >= 0 ? (numerator + denominator - 1) / denominator : -(-numerator / denominator);

    private static int[] Ones(int rank)
    {
        int[] ones = new int[rank];
        Array.Fill(ones, 1);
        return ones;
    }

    private static long[] Starts(long[] sizes)
    {
        long[] starts = new long[sizes.Length];
        for (int c = 1; c < sizes.Length; c++)
        {
            starts[c] = starts[c - 1] + sizes[c - 1];
        }

        return starts;
    }
}
