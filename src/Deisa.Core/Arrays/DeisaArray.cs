using System.Globalization;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>
/// A lazy n-dimensional array, cut into chunks, each the value of one key: a simulation array over space and time,
/// or anything computed from it. Operations build task graphs; nothing runs until <see cref="Persist"/> or
/// <see cref="Compute"/>.
/// </summary>
/// <remarks>
/// Like a Dask array: slicing (<c>a[Slice.Every(10), 10..20, ..]</c>), element-wise arithmetic, reductions over any
/// axes including time, differences along a dimension, rechunking and concatenation. A slice references only the
/// chunks it needs, so a computation on a slice only ever asks the simulation for those blocks; partial blocks are
/// cut on the workers. Bad input (an unknown dimension, a slice out of range, mismatched shapes) raises when the
/// array is built, never later on a worker. Not thread-safe.
/// </remarks>
public sealed partial class DeisaArray
{
    private readonly Func<int[], TaskKey> _keyOf;

    /// <summary>The longest expression kept: deeper ones are cut, so a description never grows with the computation.</summary>
    private const int MaxExpressionLength = 240;

    private DeisaArray(DeisaArrays context, string name, long[] shape, string[] dimensions, long[][] chunks, Func<int[], TaskKey> keyOf, TaskGraph? layer, DeisaArray[] inputs, ArrayLayout? source, string? expression)
    {
        Context = context;
        Name = name;
        Expression = expression is null ? name : expression.Length <= MaxExpressionLength ? expression : string.Concat(expression.AsSpan(0, MaxExpressionLength - 1), "…");
        ShapeArray = shape;
        DimensionArray = dimensions;
        ChunkArray = chunks;
        _keyOf = keyOf;
        Layer = layer;
        Inputs = inputs;
        Source = source;
    }

    /// <summary>Gets the array's name: the key name of its chunks (the simulation's name for a declared array).</summary>
    public string Name { get; }

    /// <summary>Gets how the array was built from the simulation's arrays, as code would write it, for example
    /// <c>field[5:5, :, :].Sum("t")</c>; the name for a simulation array.</summary>
    public string Expression { get; }

    /// <summary>Gets the size of each dimension.</summary>
    public IReadOnlyList<long> Shape => ShapeArray;

    /// <summary>Gets the name of each dimension.</summary>
    public IReadOnlyList<string> DimensionNames => DimensionArray;

    /// <summary>Gets the number of dimensions.</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>Gets the chunk sizes along each dimension.</summary>
    public IReadOnlyList<IReadOnlyList<long>> Chunks => ChunkArray;

    /// <summary>Gets the number of chunks.</summary>
    public long ChunkCount => ChunkArray.Aggregate(1L, (n, c) => n * c.Length);

    /// <summary>Gets the layout of the simulation array this is, or null for a computed array.</summary>
    public ArrayLayout? Source { get; }

    /// <summary>Gets the client that submits this array's tasks.</summary>
    public Client.DeisaClient Client => Context.Client;

    internal DeisaArrays Context { get; }

    internal long[] ShapeArray { get; }

    internal string[] DimensionArray { get; }

    internal long[][] ChunkArray { get; }

    /// <summary>Gets the tasks that compute this array's chunks, or null when its chunks are other arrays' keys.</summary>
    internal TaskGraph? Layer { get; }

    internal DeisaArray[] Inputs { get; }

    /// <summary>Gets the key of a chunk.</summary>
    /// <param name="chunk">One chunk index per dimension.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    public TaskKey KeyOf(params int[] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Length != Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(chunk), $"{this} has {Rank} dimensions; {chunk.Length} chunk indices were given.");
        }

        for (int d = 0; d < Rank; d++)
        {
            if ((uint)chunk[d] >= (uint)ChunkArray[d].Length)
            {
                throw new ArgumentOutOfRangeException(nameof(chunk), $"{this} has {ChunkArray[d].Length} chunks along '{DimensionArray[d]}'; index {chunk[d]} was given.");
            }
        }

        return _keyOf(chunk);
    }

    /// <summary>Gets the index of a dimension by name.</summary>
    /// <param name="dimension">The name.</param>
    /// <returns>Its position.</returns>
    /// <exception cref="ArgumentException">No dimension has that name; the message lists them.</exception>
    public int Axis(string dimension)
    {
        int axis = Array.IndexOf(DimensionArray, dimension);
        return axis >= 0
            ? axis
            : throw new ArgumentException($"{this} has no dimension '{dimension}'; its dimensions are {string.Join(", ", DimensionArray.Select(d => $"'{d}'"))}.", nameof(dimension));
    }

    /// <summary>Describes the array: name, how it was built, dimensions and shape.</summary>
    /// <returns>The text, for example <c>'sum-1' = field[5:5, :, :].Sum("t") (Y: 12, X: 9)</c>.</returns>
    public override string ToString() =>
        $"'{Name}'{(Expression == Name ? string.Empty : $" = {Expression}")} ({string.Join(", ", DimensionArray.Zip(ShapeArray, (d, s) => string.Create(CultureInfo.InvariantCulture, $"{d}: {s}")))})";

    internal static DeisaArray FromLayout(DeisaArrays context, ArrayLayout layout)
    {
        int rank = layout.Shape.Count;
        int time = layout.TimeDimension;
        long[][] chunks = new long[rank][];
        chunks[time] = Enumerable.Repeat(1L, layout.Steps).ToArray();
        for (int spatial = 0; spatial < rank - 1; spatial++)
        {
            int d = ArrayDeclaration.SpatialToDimension(spatial, time);
            chunks[d] = new long[layout.BlockGrid[spatial]];
            for (int b = 0; b < chunks[d].Length; b++)
            {
                int[] block = new int[rank - 1];
                block[spatial] = b;
                chunks[d][b] = layout.BlockCount(block)[spatial];
            }
        }

        // Chunk (…, t, …) of the array is block (step t, block indices) of the simulation: the key layout.KeyOf gives.
        TaskKey KeyOf(int[] chunk)
        {
            Span<int> block = stackalloc int[rank - 1];
            for (int spatial = 0; spatial < rank - 1; spatial++)
            {
                block[spatial] = chunk[ArrayDeclaration.SpatialToDimension(spatial, time)];
            }

            return layout.KeyOf(chunk[time], block);
        }

        return new DeisaArray(context, layout.Name, [.. layout.Shape], [.. layout.DimensionNames], chunks, KeyOf, null, [], layout, null);
    }

    /// <summary>Gets the size of a chunk along each dimension.</summary>
    internal int[] ChunkShape(ReadOnlySpan<int> chunk)
    {
        int[] shape = new int[Rank];
        for (int d = 0; d < Rank; d++)
        {
            shape[d] = checked((int)ChunkArray[d][chunk[d]]);
        }

        return shape;
    }

    /// <summary>Gets where each chunk starts along a dimension.</summary>
    internal long[] ChunkStarts(int dimension)
    {
        long[] starts = new long[ChunkArray[dimension].Length];
        for (int c = 1; c < starts.Length; c++)
        {
            starts[c] = starts[c - 1] + ChunkArray[dimension][c - 1];
        }

        return starts;
    }

    /// <summary>Enumerates every chunk index, row-major.</summary>
    internal IEnumerable<int[]> ChunkIndices() => ChunkIndices(ChunkArray.Select(c => c.Length).ToArray());

    internal static IEnumerable<int[]> ChunkIndices(int[] counts)
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

    /// <summary>Creates a derived array whose chunk keys are (name, chunk indices…).</summary>
    private DeisaArray Derived(string name, string expression, long[] shape, string[] dimensions, long[][] chunks, TaskGraph layer, params DeisaArray[] inputs)
    {
        if (shape.Length > TaskKey.MaxIndices)
        {
            throw new NotSupportedException($"Arrays of more than {TaskKey.MaxIndices} dimensions are not supported ({shape.Length} asked).");
        }

        TaskKey KeyOf(int[] chunk) => new(name, chunk);
        return new DeisaArray(Context, name, shape, dimensions, chunks, KeyOf, layer, inputs, null, expression);
    }

    /// <summary>Creates an array whose chunks are other arrays' keys, computing nothing.</summary>
    private static DeisaArray View(DeisaArrays context, string name, string expression, long[] shape, string[] dimensions, long[][] chunks, Dictionary<string, TaskKey> keys, DeisaArray[] inputs) =>
        new(context, name, shape, dimensions, chunks, chunk => keys[string.Join(",", chunk)], null, inputs, null, expression);

    private static string Quoted(IEnumerable<string> dimensions) => string.Join(", ", dimensions.Select(d => $"\"{d}\""));

    private static TaskArg ShapeArg(ReadOnlySpan<int> shape)
    {
        long[] values = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            values[i] = shape[i];
        }

        return TaskArg.FromInt64Array(values);
    }

    private Operation Op(string name) => Context.Operations.Get(name);
}
